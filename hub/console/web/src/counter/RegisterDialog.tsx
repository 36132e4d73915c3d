// Registering a member at the counter, then the member-app activation QR for their phone.
import { useEffect, useState } from "react";
import { Button, Form, Input, Result, Select, Spin, Typography } from "antd";
import QRCode from "qrcode";
import { api } from "../api/client";
import { ErrorNote } from "../shared/ErrorNote";
import { dateTime } from "../shared/format";
import { useT } from "../shared/i18n";
import { go } from "../shared/route";
import { useSession } from "../shared/session";
import { CounterDialog } from "./Dialog";
import { S } from "./strings";

/** The one-time activation link as a QR code (made in the browser from the hub's link). */
export function ActivationQr({ memberId }: { memberId: string }) {
  const t = useT(S);
  const [qr, setQr] = useState<{ src: string; link: string; expiresAt: number } | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    void api.POST("/bo/members/{id}/activation", { params: { path: { id: memberId } }, body: {} }).then(async ({ data, error: e }) => {
      if (!live) return;
      if (!data) return setError(e);
      const link = new URL(data.link, window.location.origin);
      // The hub may not know the address people reach it at: the link points at this console's origin.
      const href = `${window.location.origin}${link.pathname}${link.hash}`;
      setQr({ src: await QRCode.toDataURL(href, { width: 240, margin: 1 }), link: href, expiresAt: data.expiresAt });
    });
    return () => {
      live = false;
    };
  }, [memberId]);
  if (error) return <ErrorNote error={error} />;
  if (!qr) return <Spin />;
  return (
    <div style={{ textAlign: "center" }} data-testid="activation-qr">
      <img src={qr.src} width={240} height={240} alt="activation QR" />
      <Typography.Paragraph>{t("scanToActivate", { date: dateTime(qr.expiresAt) })}</Typography.Paragraph>
      <Typography.Text copyable={{ text: qr.link }} type="secondary" style={{ fontSize: 11 }}>
        {qr.link.slice(0, 48)}…
      </Typography.Text>
    </div>
  );
}

export function RegisterDialog({ onClose }: { onClose: () => void }) {
  const t = useT(S);
  const s = useSession();
  const [form] = Form.useForm<{ name: string; phone?: string; gender?: "female" | "male"; birthDate?: string }>();
  const [memberId, setMemberId] = useState<string | undefined>();
  const storeId = s.storeId;
  const confirm = async (key: string) => {
    const v = await form.validateFields().catch(() => undefined);
    if (!v) return undefined;
    // The dialog's key: a double click or a retry after a lost answer registers one member.
    const { data, error } = await api.POST("/bo/members", {
      params: { header: { "Idempotency-Key": key } },
      body: {
        storeId,
        channel: "till",
        name: v.name.trim(),
        ...(v.phone ? { phone: v.phone.trim() } : {}),
        ...(v.gender ? { gender: v.gender } : {}),
        ...(v.birthDate ? { birthDate: v.birthDate } : {}),
      },
    });
    if (error) return error;
    setMemberId(data.member.memberId);
    return undefined;
  };
  return (
    <CounterDialog title={t("register")} onClose={onClose} onConfirm={confirm} canConfirm={storeId !== ""} done={!!memberId} testId="register-dialog">
      {memberId ? (
        <Result
          status="success"
          title={<span data-testid="registered">{t("registered", { id: memberId })}</span>}
          subTitle={<ActivationQr memberId={memberId} />}
          extra={
            <Button type="primary" onClick={() => go(`members/${encodeURIComponent(memberId)}`)} data-testid="open-member">
              {t("openMember")}
            </Button>
          }
        />
      ) : (
        <Form form={form} layout="vertical">
          {storeId === "" && <ErrorNote error={{ error: "INVALID_INPUT", message: t("noStore") }} />}
          <Form.Item label={t("store")}>{storeId}</Form.Item>
          <Form.Item label={t("name")} name="name" rules={[{ required: true, max: 100 }]}>
            <Input data-testid="reg-name" maxLength={100} />
          </Form.Item>
          <Form.Item label={t("phone")} name="phone" rules={[{ pattern: /^\+?[0-9][0-9 -]{4,19}$/ }]}>
            <Input data-testid="reg-phone" inputMode="tel" maxLength={20} />
          </Form.Item>
          <Form.Item label={t("gender")} name="gender">
            <Select
              allowClear
              options={[
                { value: "female", label: t("female") },
                { value: "male", label: t("male") },
              ]}
            />
          </Form.Item>
          <Form.Item label={t("birthDate")} name="birthDate" rules={[{ pattern: /^\d{4}-\d{2}-\d{2}$/ }]}>
            <Input placeholder="1990-05-20" maxLength={10} />
          </Form.Item>
        </Form>
      )}
    </CounterDialog>
  );
}
