// Editing a member's contact fields at the counter (name, phone, gender, birth date, with a note); only what changed is sent, an emptied field is cleared.
import { useState } from "react";
import { Alert, Form, Input, Result, Select } from "antd";
import { api } from "../api/client";
import type { operations } from "../api/schema";
import type { MemberView } from "../members/MemberPage";
import { useT } from "../shared/i18n";
import { CounterDialog } from "./Dialog";
import { S } from "./strings";

type Edit = NonNullable<operations["patchMembersId"]["requestBody"]>["content"]["application/json"];
type Gender = "female" | "male" | "other";
interface Fields {
  name: string;
  phone: string;
  gender: Gender | "";
  birthDate: string;
  reason: string;
}

const PHONE = /^\+?[0-9][0-9 -]{4,19}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The PATCH body: the fields that differ from the member's now ("" clears phone, gender, birth date). */
function changes(view: MemberView, f: Fields): Edit {
  const p = view.profile;
  const out: Edit = {};
  if (f.name.trim() !== view.member.name) out.name = f.name.trim();
  if (f.phone.trim() !== (p.phone ?? "")) out.phone = f.phone.trim() === "" ? null : f.phone.trim();
  if (f.gender !== (p.gender ?? "")) out.gender = f.gender === "" ? null : f.gender;
  if (f.birthDate.trim() !== (p.birthDate ?? "")) out.birthDate = f.birthDate.trim() === "" ? null : f.birthDate.trim();
  return out;
}

export function ProfileDialog({ view, onClose, onDone }: { view: MemberView; onClose: () => void; onDone: () => void }) {
  const t = useT(S);
  const [form] = Form.useForm<Fields>();
  const initial: Fields = {
    name: view.member.name,
    phone: view.profile.phone ?? "",
    gender: (view.profile.gender as Gender | null) ?? "",
    birthDate: view.profile.birthDate ?? "",
    reason: "",
  };
  const [fields, setFields] = useState<Fields>(initial);
  const [done, setDone] = useState(false);
  const edit = changes(view, fields);
  const changed = Object.keys(edit).length > 0;
  const confirm = async () => {
    const v = await form.validateFields().catch(() => undefined);
    if (!v) return undefined;
    const body = changes(view, v);
    if (Object.keys(body).length === 0) return undefined;
    // Setting fields to values: a repeat sets the same values (the confirm button is busy meanwhile).
    const { error } = await api.PATCH("/bo/members/{id}", {
      params: { path: { id: view.member.memberId } },
      body: { ...body, ...(v.reason.trim() ? { reason: v.reason.trim() } : {}) },
    });
    if (error) return error;
    setDone(true);
    onDone();
    return undefined;
  };
  return (
    <CounterDialog title={t("editProfile")} onClose={onClose} onConfirm={confirm} canConfirm={changed} done={done} testId="profile-dialog">
      {done ? (
        <Result status="success" title={<span data-testid="profile-result">{t("done")}</span>} />
      ) : (
        <Form form={form} layout="vertical" initialValues={initial} onValuesChange={(_, all: Fields) => setFields(all)}>
          <Alert type="info" title={t("profileHint")} style={{ marginBottom: 12 }} />
          <Form.Item label={t("name")} name="name" rules={[{ required: true, whitespace: true, max: 100 }]}>
            <Input data-testid="profile-name" maxLength={100} />
          </Form.Item>
          <Form.Item label={t("phone")} name="phone" extra={t("clearHint")} rules={[{ pattern: PHONE }]}>
            <Input data-testid="profile-phone" inputMode="tel" maxLength={20} />
          </Form.Item>
          <Form.Item label={t("gender")} name="gender">
            <Select
              data-testid="profile-gender"
              options={[
                { value: "", label: "—" },
                { value: "female", label: t("female") },
                { value: "male", label: t("male") },
                { value: "other", label: t("genderOther") },
              ]}
            />
          </Form.Item>
          <Form.Item label={t("birthDate")} name="birthDate" extra={t("clearHint")} rules={[{ pattern: ISO_DATE }]}>
            <Input data-testid="profile-birth-date" placeholder="1990-05-20" maxLength={10} />
          </Form.Item>
          <Form.Item label={t("reasonOptional")} name="reason">
            <Input.TextArea data-testid="reason" maxLength={500} rows={2} />
          </Form.Item>
        </Form>
      )}
    </CounterDialog>
  );
}
