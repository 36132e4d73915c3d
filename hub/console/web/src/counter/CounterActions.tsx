// The member page's action bar: only the operations this role may do (the hub checks again), each in its dialog.
import { useState } from "react";
import { Button, Modal, Space } from "antd";
import { useT } from "../shared/i18n";
import { isManager, useSession } from "../shared/session";
import type { MemberView } from "../members/MemberPage";
import { TopUpDialog } from "./TopUpDialog";
import { VipDialog } from "./VipDialog";
import { BlockDialog, CardKeyDialog, PointsDialog } from "./SimpleDialogs";
import { ActivationQr } from "./RegisterDialog";
import { S } from "./strings";

type Open = "top-up" | "vip" | "points" | "block" | "card-key" | "activation" | undefined;

export function CounterActions({ view, storeId, manager, onDone }: { view: MemberView; storeId: string; manager: boolean; onDone: () => void }) {
  const t = useT(S);
  const s = useSession();
  const [open, setOpen] = useState<Open>();
  const m = view.member;
  const blocked = m.status === "blocked";
  const mayEditBonus = isManager(s.user) || s.user.permissions.includes("top-up:edit-bonus");
  const close = () => setOpen(undefined);
  return (
    <>
      <Space wrap style={{ marginTop: 16 }} data-testid="counter-actions">
        <Button type="primary" disabled={blocked || !storeId} onClick={() => setOpen("top-up")} data-testid="action-top-up">
          {t("topUp")}
        </Button>
        <Button disabled={blocked || !storeId} onClick={() => setOpen("vip")} data-testid="action-vip">
          {t("vip")}
        </Button>
        {manager && (
          <Button onClick={() => setOpen("points")} data-testid="action-points">
            {t("points")}
          </Button>
        )}
        <Button onClick={() => setOpen("activation")} data-testid="action-activation">
          {t("activation")}
        </Button>
        {view.profile.cardKeyState === "enrolled" && (
          <Button danger onClick={() => setOpen("card-key")} data-testid="action-card-key">
            {t("revokeKey")}
          </Button>
        )}
        {manager && (
          <Button danger={!blocked} onClick={() => setOpen("block")} data-testid="action-block">
            {blocked ? t("unblock") : t("block")}
          </Button>
        )}
      </Space>
      {open === "top-up" && <TopUpDialog memberId={m.memberId} storeId={storeId} mayEditBonus={mayEditBonus} onClose={close} onDone={onDone} />}
      {open === "vip" && <VipDialog memberId={m.memberId} storeId={storeId} onClose={close} onDone={onDone} />}
      {open === "points" && <PointsDialog memberId={m.memberId} points={m.pointsBalance} onClose={close} onDone={onDone} />}
      {open === "block" && <BlockDialog memberId={m.memberId} blocked={blocked} onClose={close} onDone={onDone} />}
      {open === "card-key" && <CardKeyDialog memberId={m.memberId} onClose={close} onDone={onDone} />}
      {open === "activation" && (
        <Modal open title={t("activation")} onCancel={close} footer={null}>
          <ActivationQr memberId={m.memberId} />
        </Modal>
      )}
    </>
  );
}
