// The signed-in shell: a sidebar on wide screens, a Radix dialog drawer on phones, and the
// user menu with sign-out.
import { useState } from "react";
import { NavLink, Outlet, useNavigate } from "react-router";
import * as Dialog from "@radix-ui/react-dialog";
import * as Dropdown from "@radix-ui/react-dropdown-menu";
import { useQueryClient } from "@tanstack/react-query";
import { logout } from "../api/client";
import { useAuth } from "../auth/store";
import { cx } from "./ui";

const NAV = [
  { to: "/", label: "Overview", end: true },
  { to: "/customers", label: "Customers" },
  { to: "/segments", label: "Segments" },
  { to: "/cohorts", label: "Cohorts" },
  { to: "/forecast", label: "Forecast & model" },
  { to: "/data", label: "Data" },
  { to: "/settings", label: "Settings" },
];

function NavLinks({ onNavigate }: { onNavigate?: () => void }) {
  return (
    <ul className="space-y-1">
      {NAV.map((item) => (
        <li key={item.to}>
          <NavLink
            to={item.to}
            end={item.end}
            onClick={onNavigate}
            className={({ isActive }) =>
              cx(
                "block rounded-md px-3 py-2 text-sm font-medium",
                isActive ? "bg-indigo-50 text-indigo-700" : "text-slate-700 hover:bg-slate-100",
              )
            }
          >
            {item.label}
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

function UserMenu() {
  const profile = useAuth((s) => s.profile);
  const claims = useAuth((s) => s.claims);
  const navigate = useNavigate();
  const client = useQueryClient();
  const signOut = async () => {
    await logout();
    client.clear();
    navigate("/sign-in", { replace: true });
  };
  const name = profile.email ?? "Account";
  return (
    <Dropdown.Root>
      <Dropdown.Trigger
        className="flex max-w-[14rem] items-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50"
      >
        <span aria-hidden className="flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-indigo-600 text-xs font-semibold text-white">
          {name.charAt(0).toUpperCase()}
        </span>
        <span className="sr-only">Account menu for </span>
        <span className="sr-only sm:not-sr-only sm:truncate">{name}</span>
      </Dropdown.Trigger>
      <Dropdown.Portal>
        <Dropdown.Content align="end" sideOffset={6} className="z-50 min-w-[12rem] rounded-md border border-slate-200 bg-white p-1 text-sm shadow-lg">
          <Dropdown.Label className="px-2 py-1.5 text-xs text-slate-500">
            {profile.organization ?? "Organization"} · {claims?.role ?? ""}
          </Dropdown.Label>
          <Dropdown.Item className="cursor-pointer rounded px-2 py-1.5 outline-none data-[highlighted]:bg-slate-100" onSelect={() => navigate("/settings")}>
            Settings
          </Dropdown.Item>
          <Dropdown.Separator className="my-1 h-px bg-slate-200" />
          <Dropdown.Item className="cursor-pointer rounded px-2 py-1.5 text-rose-700 outline-none data-[highlighted]:bg-rose-50" onSelect={() => void signOut()}>
            Sign out
          </Dropdown.Item>
        </Dropdown.Content>
      </Dropdown.Portal>
    </Dropdown.Root>
  );
}

export function Layout() {
  const [open, setOpen] = useState(false);
  return (
    <div className="min-h-screen lg:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <aside className="hidden w-56 shrink-0 border-r border-slate-200 bg-white px-3 py-5 lg:block">
        <p className="mb-6 px-3 text-lg font-bold text-indigo-700">CLV Tracker</p>
        <nav aria-label="Main">
          <NavLinks />
        </nav>
      </aside>
      <div className="min-w-0 flex-1">
        <header className="sticky top-0 z-30 flex items-center justify-between gap-2 border-b border-slate-200 bg-white/95 px-4 py-2 backdrop-blur">
          <div className="flex items-center gap-2">
            <Dialog.Root open={open} onOpenChange={setOpen}>
              <Dialog.Trigger className="rounded-md p-2 text-slate-700 hover:bg-slate-100 lg:hidden" aria-label="Open navigation">
                <svg aria-hidden width="20" height="20" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="2">
                  <path d="M3 5h14M3 10h14M3 15h14" />
                </svg>
              </Dialog.Trigger>
              <Dialog.Portal>
                <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
                <Dialog.Content className="fixed inset-y-0 left-0 z-50 w-64 bg-white p-4 shadow-xl" aria-describedby={undefined}>
                  <Dialog.Title className="mb-4 text-lg font-bold text-indigo-700">CLV Tracker</Dialog.Title>
                  <nav aria-label="Main">
                    <NavLinks onNavigate={() => setOpen(false)} />
                  </nav>
                  <Dialog.Close className="absolute right-3 top-3 rounded p-1 text-slate-500 hover:bg-slate-100" aria-label="Close navigation">
                    ✕
                  </Dialog.Close>
                </Dialog.Content>
              </Dialog.Portal>
            </Dialog.Root>
            <span className="font-semibold text-indigo-700 lg:hidden">CLV Tracker</span>
          </div>
          <UserMenu />
        </header>
        <main id="main" className="mx-auto max-w-7xl px-4 py-5 sm:px-6">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
