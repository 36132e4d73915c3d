// Response schemas of the /bo config routes (drafts, preview, publish, rollback, rollouts) for the OpenAPI document and the console's generated client; loose objects.
import { z } from "zod";

const obj = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);
const Int = z.number().int();
const Layer = z.record(z.string(), z.unknown()).nullable();

export const RolloutStatusResponse = obj({
  id: Int,
  storeId: z.string(),
  version: Int,
  state: z.enum(["in-progress", "completed", "stopped"]),
  reason: z.string().nullable(),
  plan: obj({ minReports: Int, maxFailureRatio: z.number(), acceptedFailures: Int }),
  counts: obj({ waiting: Int, sent: Int, applied: Int, ignored: Int, failed: Int }),
  targets: z.array(
    obj({
      deviceId: z.string(),
      wave: Int,
      status: z.enum(["waiting", "sent", "applied", "ignored", "failed"]),
      error: z.string().nullable(),
      desiredVersion: Int,
      appliedVersion: Int,
      deviceError: z.string().nullable(),
    }),
  ),
});

export const ChainConfigResponse = obj({ layer: Layer, stores: z.array(obj({ storeId: z.string(), version: Int.nullable() })) });

export const StoreConfigResponse = obj({
  storeId: z.string(),
  inForce: obj({ version: Int, content: z.unknown() }).nullable(),
  overrides: Layer,
  chain: Layer,
  inherits: obj({ rules: z.array(z.string()), device: z.array(z.string()) }),
  overridden: obj({ rules: z.array(z.string()), device: z.array(z.string()) }),
});

export const SavedResponse = obj({ published: z.literal(false) });

const Priced = obj({
  version: Int.nullable(),
  totals: obj({ subtotalFen: Int, totalFen: Int, savingsFen: Int, pointsEarned: Int }),
  lines: z.array(z.unknown()),
});

export const PreviewResponse = obj({
  storeId: z.string(),
  inForceVersion: Int.nullable(),
  draftVersion: Int,
  diff: obj({ changes: z.array(obj({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() })), truncated: z.boolean() }),
  whatIf: obj({
    kind: z.enum(["cart", "sale"]),
    draft: Priced,
    inForce: Priced.nullable(),
    saleId: z.string().optional(),
    recordedTotalFen: Int.optional(),
  }).nullable(),
});

export const VersionsResponse = obj({
  storeId: z.string(),
  inForce: Int.nullable(),
  versions: z.array(obj({ version: Int, createdAt: Int, inForce: z.boolean() })),
});

export const PublishResponse = obj({ version: Int, rollout: RolloutStatusResponse, contentOf: Int.optional() });

export const RolloutListResponse = obj({ rollouts: z.array(RolloutStatusResponse) });
