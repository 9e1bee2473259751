// Who is signed in. The access token lives only in memory (a reload gets a new one from the
// refresh token); the refresh token is kept in localStorage so a reload or a new tab stays
// signed in — the CSP (script-src 'self') is what keeps other scripts away from it. Each
// refresh rotates it (the server revokes the whole family if an old one is replayed).
import { create } from "zustand";

export type Role = "owner" | "admin" | "analyst" | "viewer";

export interface Profile {
  email?: string;
  organization?: string;
  organizationId?: number;
}

export interface Claims {
  userId: number;
  tenantId: number;
  role: Role;
  expiresAt: number; // seconds since the epoch
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

const REFRESH_KEY = "clv.refresh_token";
const PROFILE_KEY = "clv.profile";

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

function readProfile(): Profile {
  try {
    return JSON.parse(storage()?.getItem(PROFILE_KEY) ?? "{}") as Profile;
  } catch {
    return {};
  }
}

/** The claims of an access token (not verified: the server does that); null when unreadable. */
export function decodeClaims(token: string): Claims | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    const p = JSON.parse(json) as Record<string, unknown>;
    return {
      userId: Number(p.sub),
      tenantId: Number(p.tid),
      role: (p.role as Role) ?? "viewer",
      expiresAt: Number(p.exp),
    };
  } catch {
    return null;
  }
}

interface AuthState {
  accessToken: string | null;
  refreshToken: string | null;
  claims: Claims | null;
  profile: Profile;
  setTokens: (tokens: Tokens, profile?: Profile) => void;
  clear: () => void;
}

export const useAuth = create<AuthState>((set, get) => ({
  accessToken: null,
  refreshToken: storage()?.getItem(REFRESH_KEY) ?? null,
  claims: null,
  profile: readProfile(),
  setTokens: (tokens, profile) => {
    storage()?.setItem(REFRESH_KEY, tokens.refresh_token);
    const merged = profile ? { ...get().profile, ...profile } : get().profile;
    if (profile) storage()?.setItem(PROFILE_KEY, JSON.stringify(merged));
    set({
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      claims: decodeClaims(tokens.access_token),
      profile: merged,
    });
  },
  clear: () => {
    storage()?.removeItem(REFRESH_KEY);
    set({ accessToken: null, refreshToken: null, claims: null });
  },
}));

export function isSignedIn(): boolean {
  const s = useAuth.getState();
  return s.accessToken !== null || s.refreshToken !== null;
}
