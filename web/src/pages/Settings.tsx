// Settings: the organization and the signed-in account, and what each role may do (the same
// table the server enforces, security/permissions.cc). The API has no member-management
// endpoints yet, so members are managed with `clv user` on the server; this page shows only
// what the API can answer.
import { useAuth, type Role } from "../auth/store";
import { Badge, Card, PageHeader, Stat } from "../components/ui";

const ROLES: Role[] = ["owner", "admin", "analyst", "viewer"];
// [permission, description, owner, admin, analyst, viewer] — mirrors security/permissions.cc.
export const PERMISSIONS: [string, string, boolean, boolean, boolean, boolean][] = [
  ["read_data", "See customers, orders and analytics", true, true, true, true],
  ["write_orders", "Send and import orders", true, true, true, false],
  ["run_calculation", "Run CLV calculations", true, true, true, false],
  ["manage_members", "Invite members and change roles", true, true, false, false],
  ["manage_integrations", "Connect shops", true, true, false, false],
  ["export_personal_data", "Export a customer's personal data", true, true, false, false],
  ["erase_personal_data", "Erase a customer's personal data", true, true, false, false],
  ["read_audit_log", "Read the audit log", true, true, false, false],
  ["manage_organization", "Rename the organization", true, false, false, false],
  ["delete_tenant", "Delete the organization", true, false, false, false],
];

export default function Settings() {
  const profile = useAuth((s) => s.profile);
  const claims = useAuth((s) => s.claims);
  const role = claims?.role;
  return (
    <>
      <PageHeader title="Settings" description="Your organization and account." />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Organization">
          <dl className="grid grid-cols-2 gap-4">
            <Stat label="Name" value={profile.organization ?? "—"} />
            <Stat label="Organization id" value={claims?.tenantId ?? "—"} />
          </dl>
        </Card>
        <Card title="Your account">
          <dl className="grid grid-cols-2 gap-4">
            <Stat label="Email" value={profile.email ?? "—"} />
            <Stat label="Role" value={role ? <Badge tone="indigo">{role}</Badge> : "—"} />
          </dl>
        </Card>
        <Card title="Members and roles" className="lg:col-span-2">
          <p className="mb-3 text-sm text-slate-600">
            Members are added and their roles changed by an operator with <code className="rounded bg-slate-100 px-1">clv user</code> on the server. What each role may do:
          </p>
          <div className="overflow-x-auto">
            <table className="w-full min-w-[520px] text-sm">
              <caption className="sr-only">Permissions by role</caption>
              <thead className="bg-slate-50 text-xs uppercase text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2 text-left">Permission</th>
                  {ROLES.map((r) => (
                    <th key={r} scope="col" className={`px-3 py-2 text-center ${r === role ? "text-indigo-700" : ""}`}>
                      {r}
                      {r === role && <span className="sr-only"> (your role)</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {PERMISSIONS.map(([key, label, ...allowed]) => (
                  <tr key={key}>
                    <th scope="row" className="px-3 py-2 text-left font-normal">{label}</th>
                    {allowed.map((ok, i) => (
                      <td key={i} className="px-3 py-2 text-center">
                        {ok ? <span aria-label="allowed" className="text-emerald-700">✓</span> : <span aria-label="not allowed" className="text-slate-500">—</span>}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      </div>
    </>
  );
}
