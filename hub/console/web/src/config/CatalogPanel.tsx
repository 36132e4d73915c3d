// The draft catalog: a table paged and searched on the hub (50,000 items stay usable), and a CSV/XLSX import into the chain or store draft with the hub's per-row errors listed.
import { useCallback, useEffect, useState } from "react";
import { Alert, Button, Input, Radio, Space, Table, Tag, Typography, Upload } from "antd";
import { UploadOutlined } from "@ant-design/icons";
import { api, isApiError } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { yuan } from "../shared/format";
import { useT } from "../shared/i18n";
import type { LayerView } from "./FieldsCard";
import { S } from "./strings";

type Page = operations["getConfigCatalog"]["responses"][200]["content"]["application/json"];
type Done = operations["postConfigCatalogImport"]["responses"][200]["content"]["application/json"];
interface RowError {
  row: number;
  field?: string;
  message: string;
}
const PAGE = 50;

export function CatalogPanel({ view, onImported }: { view: LayerView; onImported: () => Promise<void> }) {
  const t = useT(S);
  const [q, setQ] = useState("");
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page | undefined>();
  const [mode, setMode] = useState<"replace" | "upsert">("replace");
  const [done, setDone] = useState<Done | undefined>();
  const [rowErrors, setRowErrors] = useState<RowError[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const storeId = view.scope === "store" ? view.storeId : undefined;

  const load = useCallback(async () => {
    const { data: d, error: e } = await api.GET("/bo/config/catalog", {
      params: { query: { ...(storeId ? { storeId } : {}), ...(q ? { q } : {}), offset: (page - 1) * PAGE, limit: PAGE } },
    });
    if (e) return setError(e);
    setData(d);
  }, [storeId, q, page]);
  useEffect(() => void load(), [load]);

  const upload = async (file: File) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    setRowErrors(undefined);
    try {
      const format = file.name.toLowerCase().endsWith(".xlsx") ? "xlsx" : "csv";
      const { data: d, error: e } = await api.POST("/bo/config/catalog/import", {
        params: { query: { ...(storeId ? { storeId } : {}), format, mode } },
        body: file as never,
        bodySerializer: (b: unknown) => b as BodyInit,
        headers: { "content-type": "application/octet-stream" },
      });
      if (e) {
        const rows = (e as { errors?: RowError[] }).errors;
        if (Array.isArray(rows)) setRowErrors(rows);
        return setError(e);
      }
      setDone(d);
      setPage(1);
      await Promise.all([load(), onImported()]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space direction="vertical" style={{ width: "100%" }} data-testid="catalog-panel">
      <Space wrap>
        <Input.Search
          allowClear
          style={{ width: 360 }}
          placeholder={t("catalogSearch")}
          onSearch={(v) => {
            setQ(v.trim());
            setPage(1);
          }}
          data-testid="catalog-search"
        />
        <Tag color={data?.own ? "orange" : "blue"} data-testid="catalog-own">
          {data?.own ? t("catalogOwn") : t("catalogInherited")}
        </Tag>
        <Typography.Text data-testid="catalog-total">{t("catalogTotal", { n: data?.total ?? 0 })}</Typography.Text>
      </Space>
      <Table
        size="small"
        rowKey="sku"
        dataSource={data?.items ?? []}
        data-testid="catalog-table"
        pagination={{ current: page, pageSize: PAGE, total: data?.total ?? 0, showSizeChanger: false, onChange: setPage }}
        columns={[
          { title: t("sku"), dataIndex: "sku" },
          { title: t("barcode"), dataIndex: "barcode" },
          { title: t("name"), dataIndex: "name" },
          { title: t("category"), dataIndex: "category" },
          { title: t("price"), dataIndex: "priceFen", render: (v: number) => yuan(v) },
          { title: t("memberPrice"), dataIndex: "memberPriceFen", render: (v?: number) => (v === undefined ? "—" : yuan(v)) },
        ]}
      />
      <Space wrap>
        <Typography.Text>{t("importMode")}</Typography.Text>
        <Radio.Group value={mode} onChange={(e) => setMode(e.target.value as "replace" | "upsert")} data-testid="catalog-mode">
          <Radio value="replace">{t("modeReplace")}</Radio>
          <Radio value="upsert">{t("modeUpsert")}</Radio>
        </Radio.Group>
        <Upload
          accept=".csv,.xlsx"
          showUploadList={false}
          beforeUpload={(file) => {
            void upload(file);
            return false;
          }}
        >
          <Button icon={<UploadOutlined />} loading={busy} data-testid="catalog-import">
            {t("importFile")}
          </Button>
        </Upload>
      </Space>
      <Typography.Paragraph type="secondary">{t("importHint")}</Typography.Paragraph>
      {done && (
        <Alert
          type="success"
          showIcon
          data-testid="catalog-import-done"
          message={t("importDone", { items: done.items, added: done.added, changed: done.changed, removed: done.removed })}
        />
      )}
      <ErrorNote error={error} />
      {isApiError(error) && !rowErrors && <Alert type="error" message={error.message} data-testid="catalog-import-error" />}
      {rowErrors && (
        <>
          <Alert type="error" message={t("importRefused", { n: (error as { rejected?: number }).rejected ?? rowErrors.length })} />
          <Table
            size="small"
            rowKey={(r) => `${r.row}-${r.field ?? ""}`}
            pagination={{ pageSize: 20 }}
            dataSource={rowErrors}
            data-testid="catalog-row-errors"
            columns={[
              { title: t("row"), dataIndex: "row" },
              { title: t("field"), dataIndex: "field" },
              { title: t("problem"), dataIndex: "message" },
            ]}
          />
        </>
      )}
    </Space>
  );
}
