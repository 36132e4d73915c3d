// Kiosk staff PINs for the selected store (managers): set or reset a PIN; the hub hashes it and publishes the store's next signed config.
import { useCallback, useEffect, useState } from "react";
import { Alert, App as AntApp, Button, Card, Form, Input, Modal, Table, Tag, Typography } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { errorWords } from "../shared/errors";
import { useLang, useT } from "../shared/i18n";
import { useSession } from "../shared/session";
import { S } from "./strings";

type List = operations["getStoresStoreIdKioskStaff"]["responses"][200]["content"]["application/json"];

export function KioskStaff() {
  const t = useT(S);
  const lang = useLang();
  const { storeId } = useSession();
  const { message } = AntApp.useApp();
  const [list, setList] = useState<List | undefined>();
  const [error, setError] = useState<unknown>();
  const [editing, setEditing] = useState<{ staffId: string; name: string } | undefined>();
  const [pin, setPin] = useState("");
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    if (!storeId) return;
    void api.GET("/bo/stores/{storeId}/kiosk-staff", { params: { path: { storeId } } }).then(({ data, error: e }) => (data ? setList(data) : setError(e)));
  }, [storeId]);
  useEffect(load, [load]);
  const save = async () => {
    if (!editing) return;
    setBusy(true);
    const { data, error: e } = await api.PUT("/bo/stores/{storeId}/kiosk-staff/{staffId}", {
      params: { path: { storeId, staffId: editing.staffId.trim() } },
      body: { name: editing.name.trim(), pin },
    });
    setBusy(false);
    if (e) return void message.error(errorWords(e, lang).text);
    void message.success(t("published", { v: data.version }));
    setEditing(undefined);
    setPin("");
    load();
  };
  return (
    <Card
      title={`${t("kioskStaff")} · ${storeId}`}
      extra={
        <Button type="primary" onClick={() => setEditing({ staffId: "", name: "" })} data-testid="kiosk-staff-add">
          {t("addStaff")}
        </Button>
      }
    >
      <Alert type="info" title={t("kioskHint")} style={{ marginBottom: 12 }} />
      <ErrorNote error={error} />
      {list && <Typography.Text type="secondary">{t("configVersion", { v: list.version })}</Typography.Text>}
      <Table
        size="small"
        rowKey="staffId"
        dataSource={list?.staff ?? []}
        pagination={false}
        data-testid="kiosk-staff"
        columns={[
          { title: t("staffId"), dataIndex: "staffId" },
          { title: t("name"), dataIndex: "name" },
          { title: t("role"), dataIndex: "roles", render: (v: string[]) => v.join(", ") },
          { title: t("hasPin"), dataIndex: "hasPin", render: (v: boolean) => (v ? <Tag color="green">{t("set")}</Tag> : "—") },
          {
            title: "",
            key: "x",
            render: (_: unknown, r: { staffId: string; name: string }) => (
              <Button size="small" onClick={() => setEditing({ staffId: r.staffId, name: r.name })} data-testid={`pin-${r.staffId}`}>
                {t("setPin")}
              </Button>
            ),
          },
        ]}
      />
      <Modal
        open={editing !== undefined}
        title={t("setPin")}
        onCancel={() => setEditing(undefined)}
        onOk={() => void save()}
        confirmLoading={busy}
        okButtonProps={{ disabled: !editing?.staffId || !editing.name || !/^[0-9]{4,12}$/.test(pin), "data-testid": "pin-save" }}
      >
        <Form layout="vertical">
          <Form.Item label={t("staffId")}>
            <Input
              value={editing?.staffId}
              onChange={(e) => setEditing((x) => x && { ...x, staffId: e.target.value })}
              maxLength={64}
              data-testid="pin-staff-id"
            />
          </Form.Item>
          <Form.Item label={t("name")}>
            <Input value={editing?.name} onChange={(e) => setEditing((x) => x && { ...x, name: e.target.value })} maxLength={64} data-testid="pin-name" />
          </Form.Item>
          <Form.Item label={t("pin")}>
            <Input.Password
              value={pin}
              onChange={(e) => setPin(e.target.value)}
              inputMode="numeric"
              maxLength={12}
              autoComplete="off"
              data-testid="pin-value"
            />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
