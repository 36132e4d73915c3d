// The sign-in page (user name + password), the first-admin setup page and the one-time sign-in link page.
import { useEffect, useState } from "react";
import { Button, Card, Form, Input, Typography } from "antd";
import { api } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { useT } from "../shared/i18n";
import { go } from "../shared/route";
import { S } from "./strings";

export type SignedIn = { csrfToken: string };

function Frame({ children, title, extra }: { children: React.ReactNode; title: string; extra?: React.ReactNode }) {
  return (
    <div style={{ minHeight: "100vh", display: "grid", placeItems: "center", background: "#f5f5f5", padding: 16 }}>
      <Card title={title} extra={extra} style={{ width: "100%", maxWidth: 420 }}>
        {children}
      </Card>
    </div>
  );
}

export function SignIn({ onSignedIn, langSwitch, setupNeeded }: { onSignedIn: (s: SignedIn) => void; langSwitch: React.ReactNode; setupNeeded: boolean }) {
  const t = useT(S);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { userId: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    const { data, error: e } = await api
      .POST("/bo/auth/sign-in", { body: { userId: v.userId.trim(), password: v.password } })
      .catch((x: unknown) => ({ data: undefined, error: x }));
    setBusy(false);
    if (data) onSignedIn(data);
    else setError(e);
  };
  return (
    <Frame title={t("title")} extra={langSwitch}>
      {setupNeeded && <Typography.Paragraph type="warning">{t("setupNeeded")}</Typography.Paragraph>}
      <ErrorNote error={error} />
      <Form layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item label={t("userId")} name="userId" rules={[{ required: true, message: t("required") }]}>
          <Input autoComplete="username" autoFocus data-testid="signin-user" />
        </Form.Item>
        <Form.Item label={t("password")} name="password" rules={[{ required: true, message: t("required") }]}>
          <Input.Password autoComplete="current-password" data-testid="signin-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="signin-submit">
          {t("signIn")}
        </Button>
      </Form>
    </Frame>
  );
}

export function Setup({ token, onSignedIn, langSwitch }: { token: string; onSignedIn: (s: SignedIn) => void; langSwitch: React.ReactNode }) {
  const t = useT(S);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { userId: string; name: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    const { data, error: e } = await api
      .POST("/bo/auth/setup", { body: { token, userId: v.userId.trim(), name: v.name.trim(), password: v.password } })
      .catch((x: unknown) => ({ data: undefined, error: x }));
    setBusy(false);
    if (data) {
      go("members");
      onSignedIn(data);
    } else setError(e);
  };
  return (
    <Frame title={t("setupTitle")} extra={langSwitch}>
      <Typography.Paragraph type="secondary">{t("setupHint")}</Typography.Paragraph>
      <ErrorNote error={error} />
      <Form layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item label={t("userId")} name="userId" rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,64}$/, message: t("required") }]}>
          <Input autoComplete="username" data-testid="setup-user" />
        </Form.Item>
        <Form.Item label={t("name")} name="name" rules={[{ required: true, message: t("required") }]}>
          <Input data-testid="setup-name" />
        </Form.Item>
        <Form.Item label={t("password")} name="password" extra={t("passwordRule")} rules={[{ required: true, min: 10, message: t("passwordRule") }]}>
          <Input.Password autoComplete="new-password" data-testid="setup-password" />
        </Form.Item>
        <Form.Item
          label={t("passwordAgain")}
          name="again"
          dependencies={["password"]}
          rules={[
            { required: true, message: t("required") },
            ({ getFieldValue }) => ({
              validator: (_r, v) => (v === getFieldValue("password") ? Promise.resolve() : Promise.reject(new Error(t("passwordsDiffer")))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" data-testid="setup-again" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="setup-submit">
          {t("create")}
        </Button>
      </Form>
    </Frame>
  );
}

export function LinkSignIn({ token, onSignedIn, langSwitch }: { token: string; onSignedIn: (s: SignedIn) => void; langSwitch: React.ReactNode }) {
  const t = useT(S);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    void api
      .POST("/bo/auth/link", { body: { token } })
      .then(({ data, error: e }) => {
        if (!live) return;
        if (data) {
          go("members");
          onSignedIn(data);
        } else setError(e);
      })
      .catch((x: unknown) => live && setError(x));
    return () => {
      live = false;
    };
  }, [token, onSignedIn]);
  return (
    <Frame title={t("title")} extra={langSwitch}>
      {error ? <ErrorNote error={error} /> : <Typography.Paragraph>{t("linkSigningIn")}</Typography.Paragraph>}
      {error !== undefined && (
        <Button onClick={() => go("signin")} data-testid="to-signin">
          {t("toSignIn")}
        </Button>
      )}
    </Frame>
  );
}
