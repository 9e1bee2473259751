import { useModel } from "../api/queries";

/**
 * The tenant's currency: what the current fit was computed in (the API sends it with every
 * analytics answer; the model endpoint is cached, so this costs no extra request on most pages).
 */
export function useTenantCurrency(fallback?: string): string {
  const model = useModel();
  return model.data?.fit.currency ?? fallback ?? "USD";
}
