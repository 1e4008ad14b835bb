import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";
import { ListController } from "@web/views/list/list_controller";

/**
 * EV records are never deleted: they go to the Trash, where an EV Manager restores them.
 * The server marks such models in the views' description (`ev_trash`, see
 * ev.trash.mixin.get_views); the delete confirmation then says so instead of Odoo's
 * "It will be gone forever!".
 */
function goesToTrash(controller) {
    const models = controller.props.relatedModels || {};
    return Boolean(models[controller.props.resModel]?.ev_trash);
}

const trashBody = () =>
    _t("It goes to the Trash, where an EV Manager can restore it. Nothing is purged.");

patch(ListController.prototype, {
    get deleteConfirmationDialogProps() {
        const props = super.deleteConfirmationDialogProps;
        if (goesToTrash(this)) {
            props.title = _t("Move to the Trash?");
            props.body = trashBody();
            props.confirmLabel = _t("Move to Trash");
        }
        return props;
    },
});

patch(FormController.prototype, {
    get deleteConfirmationDialogProps() {
        const props = super.deleteConfirmationDialogProps;
        if (goesToTrash(this)) {
            props.title = _t("Move to the Trash?");
            props.body = trashBody();
            props.confirmLabel = _t("Move to Trash");
        }
        return props;
    },
});
