// Console users (managers): create within scope, reset passwords, activate / deactivate, see and revoke API tokens.
import { useCallback, useEffect, useState } from "react";
import { App as AntApp, Button, Card, Checkbox, Form, Input, Modal, Select, Space, Table, Tag, Typography } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import { ErrorNote } from "../shared/ErrorNote";
import { errorWords } from "../shared/errors";
import { date } from "../shared/format";
import { useLang, useT } from "../shared/i18n";
import { isHq, useSession } from "../shared/session";
import { S } from "./strings";

type User = operations["getUsers"]["responses"][200]["content"]["application/json"]["users"][number];
type Token = operations["getUsersUserIdTokens"]["responses"][200]["content"]["application/json"]["tokens"][number];
type Role = "hq-admin" | "store-manager" | "counter-staff";

function Tokens({ userId }: { userId: string }) {
  const t = useT(S);
  const lang = useLang();
  const { message } = AntApp.useApp();
  const [tokens, setTokens] = useState<Token[]>([]);
  const load = useCallback(
    () => void api.GET("/bo/users/{userId}/tokens", { params: { path: { userId } } }).then(({ data }) => setTokens(data?.tokens ?? [])),
    [userId],
  );
  useEffect(load, [load]);
  const revoke = async (tokenId: string) => {
    const { error } = await api.DELETE("/bo/tokens/{tokenId}", { params: { path: { tokenId } } });
    if (error) void message.error(errorWords(error, lang).text);
    load();
  };
  return (
    <Table
      size="small"
      rowKey="tokenId"
      pagination={false}
      dataSource={tokens}
      columns={[
        { title: "id", dataIndex: "tokenId" },
        { title: t("label"), dataIndex: "label" },
        { title: t("createdAt"), dataIndex: "createdAt", render: (v: number) => date(v) },
        { title: t("expiresAt"), dataIndex: "expiresAt", render: (v: number | null) => (v ? date(v) : t("never")) },
        {
          title: "",
          key: "x",
          render: (_: unknown, r: Token) =>
            r.revokedAt ? (
              <Tag>{t("revoked")}</Tag>
            ) : (
              <Button size="small" danger onClick={() => void revoke(r.tokenId)}>
                {t("revoke")}
              </Button>
            ),
        },
      ]}
    />
  );
}

export function Users() {
  const t = useT(S);
  const lang = useLang();
  const s = useSession();
  const { message } = AntApp.useApp();
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<unknown>();
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<string | undefined>();
  const [password, setPassword] = useState("");
  const [form] = Form.useForm<{ userId: string; name: string; role: Role; stores: string[]; editBonus: boolean; password: string }>();
  const load = useCallback(() => void api.GET("/bo/users").then(({ data, error: e }) => (data ? setUsers(data.users) : setError(e))), []);
  useEffect(load, [load]);
  const roles: Role[] = isHq(s.user) ? ["counter-staff", "store-manager", "hq-admin"] : ["counter-staff"];

  const create = async () => {
    const v = await form.validateFields().catch(() => undefined);
    if (!v) return;
    const { error: e } = await api.POST("/bo/users", {
      body: {
        userId: v.userId.trim(),
        name: v.name.trim(),
        role: v.role,
        stores: v.role === "hq-admin" ? [] : v.stores,
        permissions: v.editBonus ? ["top-up:edit-bonus"] : [],
      },
    });
    if (e) return void message.error(errorWords(e, lang).text);
    const p = await api.PUT("/bo/users/{userId}/password", { params: { path: { userId: v.userId.trim() } }, body: { password: v.password } });
    if (p.error) return void message.error(errorWords(p.error, lang).text);
    void message.success(t("saved"));
    setCreating(false);
    form.resetFields();
    load();
  };
  const reset = async () => {
    if (!resetting) return;
    const { error: e } = await api.PUT("/bo/users/{userId}/password", { params: { path: { userId: resetting } }, body: { password } });
    if (e) return void message.error(errorWords(e, lang).text);
    void message.success(t("saved"));
    setResetting(undefined);
    setPassword("");
  };
  const setActive = async (u: User, active: boolean) => {
    const { error: e } = await api.PATCH("/bo/users/{userId}", { params: { path: { userId: u.userId } }, body: { active } });
    if (e) void message.error(errorWords(e, lang).text);
    load();
  };

  return (
    <Card
      title={t("users")}
      extra={
        <Button type="primary" onClick={() => setCreating(true)} data-testid="user-create-open">
          {t("create")}
        </Button>
      }
    >
      <ErrorNote error={error} />
      <Typography.Paragraph type="secondary">{t("mayCreate")}</Typography.Paragraph>
      <Table
        size="small"
        rowKey="userId"
        dataSource={users}
        data-testid="users"
        expandable={{ expandedRowRender: (u) => <Tokens userId={u.userId} /> }}
        columns={[
          { title: t("userId"), dataIndex: "userId" },
          { title: t("name"), dataIndex: "name" },
          { title: t("role"), dataIndex: "role" },
          { title: t("stores"), dataIndex: "stores", render: (v: string[]) => v.join(", ") || "—" },
          { title: t("active"), dataIndex: "active", render: (v: boolean) => (v ? <Tag color="green">{t("on")}</Tag> : <Tag>{t("off")}</Tag>) },
          {
            title: "",
            key: "actions",
            render: (_: unknown, u: User) =>
              u.userId === s.user.userId ? null : (
                <Space>
                  <Button size="small" onClick={() => setResetting(u.userId)} data-testid={`reset-${u.userId}`}>
                    {t("resetPassword")}
                  </Button>
                  <Button size="small" onClick={() => void setActive(u, !u.active)}>
                    {u.active ? t("off") : t("on")}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <Modal
        open={creating}
        title={t("create")}
        onCancel={() => setCreating(false)}
        onOk={() => void create()}
        okButtonProps={{ "data-testid": "user-create-confirm" }}
      >
        <Form form={form} layout="vertical" initialValues={{ role: "counter-staff", stores: s.storeId ? [s.storeId] : [], editBonus: false }}>
          <Form.Item label={t("userId")} name="userId" rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,64}$/ }]}>
            <Input data-testid="user-id" />
          </Form.Item>
          <Form.Item label={t("name")} name="name" rules={[{ required: true, max: 100 }]}>
            <Input data-testid="user-name" />
          </Form.Item>
          <Form.Item label={t("role")} name="role">
            <Select options={roles.map((r) => ({ value: r, label: r }))} />
          </Form.Item>
          <Form.Item label={t("stores")} name="stores">
            <Select mode="multiple" options={s.stores.map((x) => ({ value: x, label: x }))} />
          </Form.Item>
          <Form.Item name="editBonus" valuePropName="checked">
            <Checkbox>{t("editBonus")}</Checkbox>
          </Form.Item>
          <Form.Item label={t("newPassword")} name="password" rules={[{ required: true, min: 10 }]}>
            <Input.Password data-testid="user-password" autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={resetting !== undefined}
        title={`${t("resetPassword")} · ${resetting ?? ""}`}
        onCancel={() => setResetting(undefined)}
        onOk={() => void reset()}
        okButtonProps={{ disabled: password.length < 10, "data-testid": "reset-confirm" }}
      >
        <Typography.Paragraph>{t("newPassword")}</Typography.Paragraph>
        <Input.Password value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" data-testid="reset-password" />
      </Modal>
    </Card>
  );
}
