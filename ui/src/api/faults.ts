//! Fault plans and response rules over the API: the calls, and the TanStack Query hooks the fault
//! banner and the Faults view read through. Every query key starts with `endpoints`, so the
//! `endpoints.changed` event (and `resync`) that already invalidates the endpoint list refreshes
//! these too; nothing here polls.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiFetch, type Api } from './client';
import { keys, useApi } from './queries';
import type { components } from './schema';
import type { Endpoint, EndpointInput } from './types';

type S = components['schemas'];

export type FaultPlan = S['FaultPlan'];
export type FaultKind = S['FaultKind'];
export type PlanStatus = S['PlanStatus'];
export type PlanWithStatus = S['PlanWithStatus'];
export type FaultPreset = S['FaultPreset'];
export type ActiveFault = S['ActiveFault'];
export type ActiveFaults = S['ActiveFaults'];
export type Delay = S['Delay'];
export type RetryAfter = S['RetryAfter'];
export type ResponseSettings = S['ResponseSettings'];
export type ResponseTemplate = S['ResponseTemplate'];
export type ResponseRule = S['ResponseRule'];
export type ResponseHeader = S['ResponseHeader'];
export type Condition = S['Condition'];

export const faultKeys = {
  presets: ['fault-presets'] as const,
  // Under `endpoints`: see the module comment.
  active: [...keys.endpoints, 'faults', 'active'] as const,
  plans: (endpointId: number) => [...keys.endpoints, 'faults', endpointId] as const,
};

/** The fault and response calls, on the connection of the app's `Api` (same token, same errors). */
export class FaultsApi {
  constructor(private readonly api: Pick<Api, 'conn'>) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<T | null> {
    const res = await apiFetch(this.api.conn, path, init);
    if (res.status === 204) return null;
    return (await res.json()) as T;
  }

  presets(): Promise<FaultPreset[]> {
    return this.call<FaultPreset[]>('/api/fault-presets') as Promise<FaultPreset[]>;
  }

  active(): Promise<ActiveFaults> {
    return this.call<ActiveFaults>('/api/faults') as Promise<ActiveFaults>;
  }

  async healAll(): Promise<number> {
    const r = await this.call<{ removed: number }>('/api/faults', { method: 'DELETE' });
    return r?.removed ?? 0;
  }

  plans(endpointId: number): Promise<PlanWithStatus[]> {
    return this.call<PlanWithStatus[]>(`/api/endpoints/${endpointId}/faults`) as Promise<PlanWithStatus[]>;
  }

  applyPreset(endpointId: number, preset: string): Promise<PlanWithStatus[]> {
    return this.call<PlanWithStatus[]>(`/api/endpoints/${endpointId}/faults`, {
      method: 'POST',
      body: JSON.stringify({ preset }),
    }) as Promise<PlanWithStatus[]>;
  }

  addPlan(endpointId: number, plan: FaultPlan): Promise<PlanWithStatus[]> {
    return this.call<PlanWithStatus[]>(`/api/endpoints/${endpointId}/faults`, {
      method: 'POST',
      body: JSON.stringify(plan),
    }) as Promise<PlanWithStatus[]>;
  }

  replacePlans(endpointId: number, plans: FaultPlan[]): Promise<PlanWithStatus[]> {
    return this.call<PlanWithStatus[]>(`/api/endpoints/${endpointId}/faults`, {
      method: 'PUT',
      body: JSON.stringify(plans),
    }) as Promise<PlanWithStatus[]>;
  }

  async removePlan(endpointId: number, planId: string): Promise<void> {
    await this.call(`/api/endpoints/${endpointId}/faults/${encodeURIComponent(planId)}`, { method: 'DELETE' });
  }

  async clearEndpoint(endpointId: number): Promise<void> {
    await this.call(`/api/endpoints/${endpointId}/faults`, { method: 'DELETE' });
  }

  endpoint(endpointId: number): Promise<Endpoint> {
    return this.call<Endpoint>(`/api/endpoints/${endpointId}`) as Promise<Endpoint>;
  }

  /**
   * Replaces only the endpoint's `responses`: reads the endpoint right before writing, because
   * `PUT /api/endpoints/{id}` replaces every setting (faults included) with what it is given.
   */
  async saveResponses(endpointId: number, responses: ResponseSettings | null): Promise<Endpoint> {
    const current = await this.endpoint(endpointId);
    const input: EndpointInput = {
      name: current.name,
      path_prefix: current.path_prefix,
      signature: current.signature,
      signature_mode: current.signature_mode,
      dedupe: current.dedupe,
      faults: current.faults,
      responses,
    };
    return this.call<Endpoint>(`/api/endpoints/${endpointId}`, {
      method: 'PUT',
      body: JSON.stringify(input),
    }) as Promise<Endpoint>;
  }
}

/** A plan as the API takes it back: the `status` the list carries is computed, not stored. */
export function withoutStatus(p: PlanWithStatus | FaultPlan): FaultPlan {
  const { id, name, enabled, activated_at, fault } = p;
  return { id, name, enabled, activated_at, fault };
}

export function useFaultsApi(): FaultsApi {
  return new FaultsApi(useApi());
}

export function useFaultPresets() {
  const f = useFaultsApi();
  return useQuery({ queryKey: faultKeys.presets, queryFn: () => f.presets(), staleTime: Infinity });
}

/** What is broken right now; `dataUpdatedAt` is when `remaining_ms` was measured. */
export function useActiveFaults() {
  const f = useFaultsApi();
  return useQuery({ queryKey: faultKeys.active, queryFn: () => f.active(), staleTime: Infinity });
}

export function useEndpointPlans(endpointId: number) {
  const f = useFaultsApi();
  return useQuery({ queryKey: faultKeys.plans(endpointId), queryFn: () => f.plans(endpointId), staleTime: Infinity });
}

/** Every fault mutation refreshes the endpoints and everything under them once it lands. */
function useFaultMutation<V, R>(fn: (f: FaultsApi, v: V) => Promise<R>, silent = false) {
  const f = useFaultsApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: V) => fn(f, v),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.endpoints }),
    meta: silent ? { silent: true } : undefined,
  });
}

export function useHealAll() {
  return useFaultMutation((f, _v: void) => f.healAll());
}

export function useApplyPreset(endpointId: number) {
  return useFaultMutation((f, preset: string) => f.applyPreset(endpointId, preset));
}

/** Silent: the custom form shows the server's 422 next to itself. */
export function useAddPlan(endpointId: number) {
  return useFaultMutation((f, plan: FaultPlan) => f.addPlan(endpointId, plan), true);
}

export function useReplacePlans(endpointId: number) {
  return useFaultMutation((f, plans: FaultPlan[]) => f.replacePlans(endpointId, plans));
}

export function useRemovePlan(endpointId: number) {
  return useFaultMutation((f, planId: string) => f.removePlan(endpointId, planId));
}

export function useClearEndpointFaults(endpointId: number) {
  return useFaultMutation((f, _v: void) => f.clearEndpoint(endpointId));
}

/** Silent: the rules editor shows template errors (422) next to itself. */
export function useSaveResponses(endpointId: number) {
  return useFaultMutation((f, responses: ResponseSettings | null) => f.saveResponses(endpointId, responses), true);
}
