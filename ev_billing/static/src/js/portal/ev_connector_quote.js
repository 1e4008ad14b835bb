/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";
import { formatCurrency } from "@web/core/currency";
import { _t } from "@web/core/l10n/translation";
import { debounce } from "@web/core/utils/timing";

/**
 * The connector's QR page: on every change of the kWh picker, ask /ev/quote for the price
 * (VAT included, with its lines) and the estimated duration, and show them before any start.
 */
publicWidget.registry.EvConnectorQuote = publicWidget.Widget.extend({
    selector: ".o_ev_connector_page",
    events: {
        "input .o_ev_kwh_input": "_onKwhInput",
        "click .o_ev_kwh_preset": "_onPresetClick",
    },

    start() {
        this.input = this.el.querySelector(".o_ev_kwh_input");
        this.quoteEl = this.el.querySelector(".o_ev_quote");
        this.requestSeq = 0;
        this._quoteSoon = debounce(() => this._quote(), 250);
        this._quote();
        return this._super(...arguments);
    },

    _onKwhInput() {
        this._quoteSoon();
    },

    _onPresetClick(ev) {
        this.input.value = ev.currentTarget.dataset.kwh;
        this._quote();
    },

    _money(amount, currencyId) {
        return formatCurrency(amount, currencyId);
    },

    _duration(minutes) {
        const hours = Math.floor(minutes / 60);
        const rest = String(minutes % 60).padStart(2, "0");
        return hours
            ? _t("%(hours)s h %(minutes)s min", { hours, minutes: rest })
            : _t("%(minutes)s min", { minutes });
    },

    _setText(selector, text) {
        this.quoteEl.querySelector(selector).textContent = text;
    },

    async _quote() {
        const seq = ++this.requestSeq;
        const kwh = Number(this.input.value.trim().replace(",", "."));
        if (!(kwh > 0)) {
            this._showError(this.quoteEl.dataset.msgKwh);
            return;
        }
        let result;
        try {
            result = await rpc("/ev/quote", { access_token: this.el.dataset.accessToken, kwh });
        } catch {
            result = { error: "unreachable" };
        }
        if (seq !== this.requestSeq) {
            return; // an older answer arriving after a newer request
        }
        if (result.error) {
            this._showError(result.message || this.quoteEl.dataset.msgError);
            return;
        }
        this._setText(".o_ev_quote_kwh", String(result.kwh));
        this._setText(".o_ev_quote_total", this._money(result.amount_total, result.currency_id));
        this._setText(".o_ev_quote_vat", this._money(result.amount_vat, result.currency_id));
        this._setText(".o_ev_quote_duration", this._duration(result.duration_minutes));
        const lines = this.quoteEl.querySelector(".o_ev_quote_lines");
        lines.replaceChildren(
            ...result.lines.map((line) => {
                const row = document.createElement("li");
                row.className = `d-flex justify-content-between o_ev_quote_line o_ev_quote_line_${line.code}`;
                const label = document.createElement("span");
                label.textContent = `${line.label} (${line.quantity} ${line.uom})`;
                const amount = document.createElement("span");
                amount.textContent = this._money(line.amount, result.currency_id);
                row.append(label, amount);
                return row;
            })
        );
        this.quoteEl.querySelector(".o_ev_quote_error").classList.add("d-none");
        this.quoteEl.querySelector(".o_ev_quote_result").classList.remove("d-none");
        this.el.querySelectorAll(".o_ev_start_button").forEach((button) => (button.disabled = false));
    },

    _showError(message) {
        const error = this.quoteEl.querySelector(".o_ev_quote_error");
        error.textContent = message;
        error.classList.remove("d-none");
        this.quoteEl.querySelector(".o_ev_quote_result").classList.add("d-none");
        this.el.querySelectorAll(".o_ev_start_button").forEach((button) => (button.disabled = true));
    },
});

export default publicWidget.registry.EvConnectorQuote;
