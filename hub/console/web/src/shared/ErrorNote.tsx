// An error answer shown as words with the next step, and the code in small type for staff.
import { Alert } from "antd";
import { errorWords } from "./errors";
import { useLang } from "./i18n";

export function ErrorNote({ error }: { error: unknown }) {
  const lang = useLang();
  if (error === undefined || error === null) return null;
  const w = errorWords(error, lang);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      data-testid="error"
      title={w.text}
      description={<small style={{ color: "#8c8c8c" }}>{w.code}</small>}
      style={{ marginBottom: 12 }}
    />
  );
}
