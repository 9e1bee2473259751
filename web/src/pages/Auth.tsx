// Sign in and sign up. After either, the user lands where they were going (?next=), which
// RequireAuth and the session watcher set when they sent them here.
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import * as Label from "@radix-ui/react-label";
import { login, register } from "../api/client";
import { useAuth } from "../auth/store";
import { Button } from "../components/ui";

/** Only in-app paths, so ?next= cannot send anyone to another site. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//")) return "/";
  return next;
}

function Field({ id, label, hint, ...input }: { id: string; label: string; hint?: string } & React.InputHTMLAttributes<HTMLInputElement>) {
  return (
    <div className="space-y-1">
      <Label.Root htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </Label.Root>
      <input
        id={id}
        name={id}
        {...input}
        aria-describedby={hint ? `${id}-hint` : undefined}
        className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
      />
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}

function AuthFrame({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-10">
      <div className="w-full max-w-sm">
        <p className="mb-6 text-center text-2xl font-bold text-indigo-700">CLV Tracker</p>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="mb-4 text-lg font-semibold">{title}</h1>
          {children}
        </div>
        <p className="mt-4 text-center text-sm text-slate-600">{footer}</p>
      </div>
    </main>
  );
}

function useAuthSubmit(action: (form: FormData) => Promise<void>) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action(new FormData(e.currentTarget));
      navigate(next, { replace: true });
    } catch (err) {
      setError(err instanceof Error ? err.message : "Something went wrong.");
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, onSubmit, next, expired: params.get("expired") === "1" };
}

export function SignIn() {
  const signedIn = useAuth((s) => s.accessToken !== null);
  const { error, busy, onSubmit, next, expired } = useAuthSubmit((f) =>
    login(String(f.get("email")), String(f.get("password")), String(f.get("totp") ?? "") || undefined),
  );
  if (signedIn) return <Navigate to={next} replace />;
  return (
    <AuthFrame
      title="Sign in"
      footer={
        <>
          New here? <Link className="font-medium text-indigo-700 underline" to={`/sign-up?next=${encodeURIComponent(next)}`}>Create an organization</Link>
        </>
      }
    >
      {expired && !error && (
        <p role="status" className="mb-3 rounded-md bg-amber-50 p-2 text-sm text-amber-800">
          Your session ended. Sign in again to continue.
        </p>
      )}
      <form className="space-y-4" onSubmit={(e) => void onSubmit(e)}>
        <Field id="email" label="Email" type="email" autoComplete="email" required />
        <Field id="password" label="Password" type="password" autoComplete="current-password" required />
        <Field id="totp" label="Authentication code (if enabled)" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" />
        {error && (
          <p role="alert" className="rounded-md bg-rose-50 p-2 text-sm text-rose-800">
            {error}
          </p>
        )}
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </AuthFrame>
  );
}

export function SignUp() {
  const { error, busy, onSubmit, next } = useAuthSubmit((f) =>
    register(String(f.get("email")), String(f.get("password")), String(f.get("organization"))),
  );
  return (
    <AuthFrame
      title="Create your organization"
      footer={
        <>
          Already have an account? <Link className="font-medium text-indigo-700 underline" to={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</Link>
        </>
      }
    >
      <form className="space-y-4" onSubmit={(e) => void onSubmit(e)}>
        <Field id="organization" label="Organization" autoComplete="organization" required />
        <Field id="email" label="Email" type="email" autoComplete="email" required />
        <Field id="password" label="Password" type="password" autoComplete="new-password" minLength={12} required hint="At least 12 characters." />
        {error && (
          <p role="alert" className="rounded-md bg-rose-50 p-2 text-sm text-rose-800">
            {error}
          </p>
        )}
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Creating…" : "Create organization"}
        </Button>
      </form>
    </AuthFrame>
  );
}
