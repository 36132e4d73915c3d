// One configuration form card: its fields edit the chain defaults or a store's overrides, each showing what the store inherits or overrides (with reset to chain), checked in the browser with the kiosks' schemas; the hub's answer is authoritative and its error is shown next to the field it names.
import { useMemo, useState } from "react";
import { Alert, App as AntApp, Button, Card, Form, Input, InputNumber, Select, Space, Switch, Tag, Tooltip } from "antd";
import { api, isApiError } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { useLang, useT } from "../shared/i18n";
import { type CardDef, type FieldDef, getPath, SECTION_SCHEMAS, sectionOf, setPath } from "./fields";
import { KvInput } from "./KvInput";
import { fieldDefault } from "../../../../../protocol/schema-path.js";
import { S } from "./strings";

type Obj = Record<string, unknown>;
export interface LayerView {
  scope: "chain" | "store";
  storeId: string;
  chain: Obj | null;
  overrides: Obj | null;
  inForce: Obj | null;
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
function merge(a: unknown, b: unknown): unknown {
  if (!isObj(a) || !isObj(b)) return b === undefined ? a : b;
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
  return out;
}
function removePath(obj: unknown, path: string[]): unknown {
  if (!isObj(obj) || path.length === 0) return obj;
  const [head, ...rest] = path as [string, ...string[]];
  const out = { ...obj };
  if (rest.length === 0) delete out[head];
  else out[head] = removePath(out[head], rest);
  return out;
}

/** What the chain gives a store for a section: the chain layer's, else the version in force's (as the hub composes it). */
export function chainBase(v: LayerView): Obj {
  return { rules: v.chain?.rules ?? v.inForce?.rules, device: v.chain?.device ?? v.inForce?.device };
}

/** The path of the bundle field a hub error message names (`config: device.returns.windowDays: ...`), matched to one of `fields`. */
export function fieldOfError(message: string, fields: readonly FieldDef[]): string | undefined {
  const named = [...message.matchAll(/\b((?:rules|device)(?:\.[A-Za-z0-9_-]+)+)/g)].map((m) => m[1]!);
  for (const p of named) {
    const exact = fields.find((f) => f.path === p || p.startsWith(`${f.path}.`));
    if (exact) return exact.path;
    // A field the form has no input for (redemption.tiers): the nearest field of the same object.
    const minDepth = p.startsWith("device") ? 2 : 3;
    for (let up = p; up.split(".").length >= minDepth; up = up.slice(0, up.lastIndexOf("."))) {
      const near = fields.find((f) => f.path.startsWith(`${up}.`));
      if (near) return near.path;
    }
  }
  return undefined;
}

const CARD = "_card";
const yuanText = (fen: unknown): string => (typeof fen === "number" ? `¥${(fen / 100).toFixed(2)}` : "—");

export function FieldsCard({ card, view, onSaved }: { card: CardDef; view: LayerView; onSaved: () => Promise<void> }) {
  const zh = useLang() === "zh";
  const t = useT(S);
  const { message } = AntApp.useApp();
  const [edits, setEdits] = useState<Record<string, unknown>>({});
  const [resets, setResets] = useState<Set<string>>(new Set());
  const [hubError, setHubError] = useState<{ field?: string; error: unknown } | undefined>();
  const [busy, setBusy] = useState(false);
  const base = useMemo(() => chainBase(view), [view]);
  const own = (view.scope === "store" ? view.overrides : view.chain) ?? {};
  const defaults = useMemo(() => {
    const out: Obj = {};
    for (const f of card.fields) {
      const section = sectionOf(f.path);
      const schema = SECTION_SCHEMAS[section];
      // The section's defaults; a field inside an object the section leaves out (a redemption not set up yet) takes its own default.
      out[f.path] =
        getPath(setPath({}, section, schema?.safeParse({}).data), f.path) ??
        (schema ? fieldDefault(schema, f.path.slice(section.length + 1).split(".")) : undefined);
    }
    return out;
  }, [card]);

  const inherited = (path: string): unknown => getPath(base, path) ?? defaults[path];
  const overridden = (path: string): boolean => view.scope === "store" && !resets.has(path) && getPath(view.overrides, path) !== undefined;
  const shown = (path: string): unknown => (path in edits ? edits[path] : overridden(path) ? getPath(own, path) : inherited(path));

  // Browser-side check: each touched section as the hub would compose it, parsed with the kiosks' schema.
  const clientErrors = useMemo(() => {
    let composed: Obj;
    if (view.scope === "store") {
      let layer: unknown = view.overrides ?? {};
      for (const r of resets) layer = removePath(layer, r.split("."));
      for (const [p, v] of Object.entries(edits)) layer = setPath(layer as Obj, p, v);
      composed = merge(base, layer) as Obj;
    } else {
      composed = base;
      for (const [p, v] of Object.entries(edits)) composed = setPath(composed, p, v);
    }
    const errs: Record<string, string> = {};
    for (const section of new Set([...Object.keys(edits), ...resets].map(sectionOf))) {
      const r = SECTION_SCHEMAS[section]?.safeParse(getPath(composed, section) ?? {});
      if (!r || r.success) continue;
      for (const issue of r.error.issues) {
        const where = [section, ...issue.path.map(String)].join(".");
        const f = fieldOfError(where, card.fields);
        if (f && !errs[f]) errs[f] = issue.message;
        // A check over the whole section (scale label digits add up to 13): shown on the card.
        if (!f) errs[CARD] ??= `${where}: ${issue.message}`;
      }
    }
    return errs;
  }, [edits, resets, base, view, card]);

  const dirty = Object.keys(edits).length > 0 || resets.size > 0;
  const save = async () => {
    const saving = { edits, resets };
    setBusy(true);
    setHubError(undefined);
    try {
      let set: Obj = {};
      // A cleared optional field (empty text, no number) is removed from the layer: a store inherits it again.
      const cleared = Object.entries(edits)
        .filter(([, v]) => v === undefined)
        .map(([p]) => p);
      for (const [p, v] of Object.entries(edits)) if (v !== undefined) set = setPath(set, p, v);
      const { error } = await api.PUT("/bo/config/fields", {
        body: { ...(view.scope === "store" ? { storeId: view.storeId } : {}), set, reset: [...resets, ...cleared] },
      });
      if (error) {
        const field = isApiError(error) ? fieldOfError(error.message, card.fields) : undefined;
        return setHubError({ ...(field ? { field } : {}), error });
      }
      void message.success(t("savedDraft"));
      try {
        // The fields keep showing what was saved until the reloaded view has it (cleared before, a reset
        // field showed its old override until the reload came, and typing that value changed nothing).
        await onSaved();
      } finally {
        // Only what this save sent is done: an edit typed while it was on its way stays, still to save.
        setEdits((now) => {
          const left = { ...now };
          for (const [p, v] of Object.entries(saving.edits)) if (Object.is(left[p], v)) delete left[p];
          return left;
        });
        setResets((now) => new Set([...now].filter((p) => !saving.resets.has(p))));
      }
    } finally {
      setBusy(false);
    }
  };

  const setValue = (path: string, v: unknown) => {
    setHubError(undefined);
    setEdits((e) => ({ ...e, [path]: v }));
    setResets((r) => {
      const n = new Set(r);
      n.delete(path);
      return n;
    });
  };
  const reset = (path: string) => {
    setHubError(undefined);
    setEdits(({ [path]: _drop, ...rest }) => rest);
    setResets((r) => new Set(r).add(path));
  };

  const input = (f: FieldDef) => {
    const v = shown(f.path);
    const id = `field-${f.path}`;
    if (f.kind === "boolean") return <Switch checked={v === true} onChange={(c) => setValue(f.path, c)} data-testid={id} />;
    if (f.kind === "enum")
      return (
        <Select
          style={{ minWidth: 180 }}
          value={v === undefined || v === null ? undefined : String(v)}
          onChange={(o: string) => setValue(f.path, /^\d+$/.test(o) ? Number(o) : o)}
          options={(f.options ?? []).map((o) => ({ value: o, label: o }))}
          data-testid={id}
        />
      );
    if (f.kind === "tags" || f.kind === "numtags")
      return (
        <Select
          mode="tags"
          style={{ minWidth: 240 }}
          value={Array.isArray(v) ? v.map(String) : []}
          options={(f.options ?? []).map((o) => ({ value: o, label: o }))}
          onChange={(x: string[]) => setValue(f.path, f.kind === "numtags" ? x.map(Number) : x)}
          data-testid={id}
        />
      );
    if (f.kind === "kv") return <KvInput value={v} unit={f.kvValue ?? "text"} onChange={(x) => setValue(f.path, x)} testId={id} width={240} />;
    if (f.kind === "text")
      return (
        <Input
          style={{ width: 320 }}
          value={typeof v === "string" ? v : ""}
          onChange={(ev) => setValue(f.path, ev.target.value === "" ? undefined : ev.target.value)}
          data-testid={id}
        />
      );
    if (f.kind === "yuan")
      return (
        <InputNumber
          style={{ width: 180 }}
          prefix="¥"
          step={0.01}
          min={0}
          value={typeof v === "number" ? v / 100 : null}
          onChange={(x) => setValue(f.path, x === null ? undefined : Math.round(Number(x) * 100))}
          data-testid={id}
        />
      );
    return (
      <InputNumber
        style={{ width: 180 }}
        value={typeof v === "number" ? v : null}
        onChange={(x) => setValue(f.path, x === null ? undefined : Number(x))}
        data-testid={id}
      />
    );
  };

  const marker = (f: FieldDef) => {
    if (view.scope === "chain") return null;
    const chainValue = inherited(f.path);
    const text = f.kind === "yuan" ? yuanText(chainValue) : JSON.stringify(chainValue ?? null);
    if (overridden(f.path) || f.path in edits)
      return (
        <Space size={4}>
          <Tooltip title={`${t("chainValue")}: ${text}`}>
            <Tag color="orange" data-testid={`marker-${f.path}`}>
              {t("overridden")}
            </Tag>
          </Tooltip>
          <Button size="small" type="link" onClick={() => reset(f.path)} data-testid={`reset-${f.path}`}>
            {t("resetToChain")}
          </Button>
        </Space>
      );
    return (
      <Tag color="blue" data-testid={`marker-${f.path}`}>
        {t("inherited")}
      </Tag>
    );
  };

  return (
    <Card size="small" title={zh ? card.title[0] : card.title[1]} data-testid={`card-${card.key}`} style={{ marginBottom: 12 }}>
      <Form layout="horizontal" labelCol={{ span: 10 }} wrapperCol={{ span: 14 }}>
        {card.fields.map((f) => {
          const err = hubError?.field === f.path && isApiError(hubError.error) ? hubError.error.message : clientErrors[f.path];
          return (
            <Form.Item
              key={f.path}
              label={zh ? f.label[0] : f.label[1]}
              tooltip={f.hint ? (zh ? f.hint[0] : f.hint[1]) : undefined}
              validateStatus={err ? "error" : undefined}
              help={err ? <span data-testid={`field-error-${f.path}`}>{err}</span> : undefined}
            >
              <Space wrap>
                {input(f)}
                {marker(f)}
              </Space>
            </Form.Item>
          );
        })}
      </Form>
      {clientErrors[CARD] && <Alert type="error" message={clientErrors[CARD]} data-testid={`card-client-error-${card.key}`} style={{ marginBottom: 8 }} />}
      {hubError && !hubError.field && <ErrorNote error={hubError.error} />}
      {hubError && !hubError.field && isApiError(hubError.error) && (
        <Alert type="error" message={hubError.error.message} data-testid={`card-error-${card.key}`} />
      )}
      <Button
        type="primary"
        disabled={!dirty || Object.keys(clientErrors).length > 0}
        loading={busy}
        onClick={() => void save()}
        data-testid={`save-${card.key}`}
      >
        {view.scope === "chain" ? t("saveChain") : t("saveStore", { store: view.storeId })}
      </Button>
    </Card>
  );
}
