// The member page's action bar: only the operations this role may do (the hub checks again, see each route's roles), each in its dialog.
import { useState } from "react";
import { Button, Modal, Space } from "antd";
import { useT } from "../shared/i18n";
import { isManager, useSession } from "../shared/session";
import type { MemberView } from "../members/MemberPage";
import { TopUpDialog } from "./TopUpDialog";
import { VipDialog } from "./VipDialog";
import { PlusDialog } from "./PlusDialog";
import { BlockDialog, CardKeyDialog, PointsDialog } from "./SimpleDialogs";
import { ActivationQr } from "./RegisterDialog";
import { VipUpgradeDialog } from "./VipUpgradeDialog";
import { VipExtendDialog, VipGiftDialog } from "./VipChangeDialogs";
import { LevelUpgradeDialog } from "./LevelUpgradeDialog";
import { ProfileDialog } from "./ProfileDialog";
import { S } from "./strings";

type Open =
  | "top-up"
  | "vip"
  | "plus"
  | "vip-upgrade"
  | "vip-gift"
  | "vip-extend"
  | "level-upgrade"
  | "profile"
  | "points"
  | "block"
  | "card-key"
  | "activation"
  | undefined;

export function CounterActions({ view, storeId, manager, onDone }: { view: MemberView; storeId: string; manager: boolean; onDone: () => void }) {
  const t = useT(S);
  const s = useSession();
  const [open, setOpen] = useState<Open>();
  const m = view.member;
  const blocked = m.status === "blocked";
  // A secondary card follows its primary's VIP and level: those are done on the primary.
  const secondary = view.primaryMemberId !== null;
  const vipActive = view.vip.active;
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
        {/* Every staff role may sell PLUS (the hub's roles: STAFF), secondary cards too (PLUS is the member's own, not a card class). */}
        <Button disabled={blocked || !storeId} onClick={() => setOpen("plus")} data-testid="action-plus">
          {t("plus")}
        </Button>
        {vipActive && !secondary && (
          <Button disabled={blocked || !storeId} onClick={() => setOpen("vip-upgrade")} data-testid="action-vip-upgrade">
            {t("vipUpgrade")}
          </Button>
        )}
        {manager && !vipActive && !secondary && (
          <Button disabled={blocked || !storeId} onClick={() => setOpen("vip-gift")} data-testid="action-vip-gift">
            {t("vipGiveTitle")}
          </Button>
        )}
        {manager && vipActive && !secondary && (
          <Button onClick={() => setOpen("vip-extend")} data-testid="action-vip-extend">
            {t("vipExtendTitle")}
          </Button>
        )}
        {!secondary && (
          <Button disabled={blocked || !storeId} onClick={() => setOpen("level-upgrade")} data-testid="action-level-upgrade">
            {t("levelUpgrade")}
          </Button>
        )}
        <Button onClick={() => setOpen("profile")} data-testid="action-profile">
          {t("editProfile")}
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
      {open === "plus" && <PlusDialog memberId={m.memberId} storeId={storeId} cardClass={view.effectiveCardClass} onClose={close} onDone={onDone} />}
      {open === "vip-upgrade" && <VipUpgradeDialog memberId={m.memberId} storeId={storeId} currentClass={m.cardClass} onClose={close} onDone={onDone} />}
      {open === "vip-gift" && <VipGiftDialog memberId={m.memberId} storeId={storeId} onClose={close} onDone={onDone} />}
      {open === "vip-extend" && <VipExtendDialog memberId={m.memberId} onClose={close} onDone={onDone} />}
      {open === "level-upgrade" && <LevelUpgradeDialog memberId={m.memberId} storeId={storeId} levelId={m.levelId} onClose={close} onDone={onDone} />}
      {open === "profile" && <ProfileDialog view={view} onClose={close} onDone={onDone} />}
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
