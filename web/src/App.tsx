// Routes under /app/ (the server's prefix). Every page but sign-in/up is its own chunk, so the
// first load carries only the shell; signed-out visitors are sent to sign-in with `next` set to
// where they were going.
import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError, onSessionLost } from "./api/client";
import { useAuth } from "./auth/store";
import { Layout } from "./components/Layout";
import { Loading } from "./components/ui";
import { SignIn, SignUp } from "./pages/Auth";

const Overview = lazy(() => import("./pages/Overview"));
const Customers = lazy(() => import("./pages/Customers"));
const CustomerDetail = lazy(() => import("./pages/CustomerDetail"));
const Segments = lazy(() => import("./pages/Segments"));
const Cohorts = lazy(() => import("./pages/Cohorts"));
const Forecast = lazy(() => import("./pages/Forecast"));
const Data = lazy(() => import("./pages/Data"));
const Settings = lazy(() => import("./pages/Settings"));

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // 4xx answers will not change by asking again.
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
}

const queryClient = makeQueryClient();

/** Where to go back to after signing in: the current path, when it is a page of the app. */
export function returnPath(pathname: string, search: string): string {
  if (pathname.startsWith("/sign-in") || pathname.startsWith("/sign-up")) return "/";
  return pathname + search;
}

function RequireAuth({ children }: { children: ReactNode }) {
  const signedIn = useAuth((s) => s.accessToken !== null || s.refreshToken !== null);
  const location = useLocation();
  if (!signedIn) {
    const next = returnPath(location.pathname, location.search);
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

function SessionWatcher() {
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    onSessionLost(() => {
      queryClient.clear();
      const next = returnPath(window.location.pathname.replace(/^\/app/, "") || "/", window.location.search);
      navigate(`/sign-in?next=${encodeURIComponent(next)}&expired=1`, { replace: true });
    });
  }, [navigate, location]);
  return null;
}

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading label="Loading page" height="h-64" />}>{children}</Suspense>;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route path="/sign-up" element={<SignUp />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<Page><Overview /></Page>} />
        <Route path="customers" element={<Page><Customers /></Page>} />
        <Route path="customers/:id" element={<Page><CustomerDetail /></Page>} />
        <Route path="segments" element={<Page><Segments /></Page>} />
        <Route path="cohorts" element={<Page><Cohorts /></Page>} />
        <Route path="forecast" element={<Page><Forecast /></Page>} />
        <Route path="data" element={<Page><Data /></Page>} />
        <Route path="settings" element={<Page><Settings /></Page>} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter basename="/app">
        <SessionWatcher />
        <AppRoutes />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
