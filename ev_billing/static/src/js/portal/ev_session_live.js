/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import { formatCurrency } from "@web/core/currency";
import { formatFloat } from "@web/core/utils/numbers";

// Sent by ev.session (models/ev_session_portal.py) on the driver's partner channel.
const LIVE_NOTIFICATION = "ev_billing.session_live";
// Polling period while the websocket is unavailable.
const POLL_MS = 2000;
// States after which nothing changes any more (a done session still waits for its receipt).
const FINAL_STATES = ["cancelled", "review"];

/**
 * The driver's live session page: the server pushes the session's values through the bus
 * (websocket) as OCPP events reach Odoo; while the websocket is not connected the page polls
 * /my/ev/sessions/<id>/live instead. Stop is sent without leaving the page.
 */
publicWidget.registry.EvSessionLive = publicWidget.Widget.extend({
    selector: ".o_ev_live",
    events: {
        "submit .o_ev_live_stop_form": "_onStopSubmit",
    },

    start() {
        this.sessionId = Number(this.el.dataset.sessionId);
        this.live = JSON.parse(this.el.dataset.live);
        this.liveUrl = `/my/ev/sessions/${this.sessionId}/live`;
        this.pollTimer = null;
        this.bus = this.bindService("bus_service");
        this._onNotification = this._onNotification.bind(this);
        this._onConnect = this._onConnect.bind(this);
        this._onDisconnect = this._onDisconnect.bind(this);
        this.bus.subscribe(LIVE_NOTIFICATION, this._onNotification);
        this.bus.addEventListener("connect", this._onConnect);
        this.bus.addEventListener("reconnect", this._onConnect);
        this.bus.addEventListener("disconnect", this._onDisconnect);
        this.bus.addEventListener("reconnecting", this._onDisconnect);
        this.bus.start();
        this._startPolling(); // until the websocket says it is connected
        return this._super(...arguments);
    },

    destroy() {
        this._stopPolling();
        this.bus.unsubscribe(LIVE_NOTIFICATION, this._onNotification);
        this.bus.removeEventListener("connect", this._onConnect);
        this.bus.removeEventListener("reconnect", this._onConnect);
        this.bus.removeEventListener("disconnect", this._onDisconnect);
        this.bus.removeEventListener("reconnecting", this._onDisconnect);
        this._super(...arguments);
    },

    // ------------------------------------------------------------------
    // Sources of values: bus, polling
    // ------------------------------------------------------------------

    _onNotification(payload) {
        if (payload.id !== this.sessionId) {
            return;
        }
        this._render(payload, "bus");
        if (payload.receipt && !this._hasReceipt()) {
            this._poll("bus"); // the receipt's HTML comes from the page's own route
        }
    },

    _onConnect() {
        // What happened before the subscription comes with it (the bus sends the
        // notifications after the last one this browser received).
        this.el.dataset.busConnected = "1";
        this._stopPolling();
    },

    _onDisconnect() {
        delete this.el.dataset.busConnected;
        this._startPolling();
    },

    _isFinished() {
        return (
            FINAL_STATES.includes(this.live.state) ||
            (this.live.state === "done" && (this._hasReceipt() || !this.live.receipt))
        );
    },

    _startPolling() {
        if (!this.pollTimer && !this._isFinished()) {
            this.pollTimer = setInterval(() => this._poll(), POLL_MS);
        }
    },

    _stopPolling() {
        clearInterval(this.pollTimer);
        this.pollTimer = null;
    },

    async _poll(source = "poll") {
        let values;
        try {
            const response = await fetch(this.liveUrl, {
                headers: { Accept: "application/json" },
                credentials: "same-origin",
            });
            if (!response.ok) {
                throw new Error(String(response.status));
            }
            values = await response.json();
        } catch {
            this._notice(this.el.dataset.msgUnreachable, "warning");
            return;
        }
        this._render(values, source);
        if (this._isFinished()) {
            this._stopPolling();
        }
    },

    // ------------------------------------------------------------------
    // Stop
    // ------------------------------------------------------------------

    async _onStopSubmit(ev) {
        ev.preventDefault();
        const form = ev.currentTarget;
        const button = form.querySelector("button");
        button.disabled = true;
        this._notice(this.el.dataset.msgStopping, "info");
        let result;
        try {
            const response = await fetch(form.action, {
                method: "POST",
                body: new FormData(form),
                headers: { Accept: "application/json" },
                credentials: "same-origin",
            });
            result = await response.json();
        } catch {
            result = { error: this.el.dataset.msgUnreachable };
        }
        button.disabled = false;
        if (result.error) {
            this._notice(result.error, "danger");
            return;
        }
        this._notice(result.message, "success");
        this._render(result, "stop");
    },

    // ------------------------------------------------------------------
    // Rendering
    // ------------------------------------------------------------------

    _hasReceipt() {
        return Boolean(this.el.querySelector(".o_ev_live_receipt .o_ev_receipt"));
    },

    _notice(text, level) {
        const notice = this.el.querySelector(".o_ev_live_notice");
        notice.textContent = text;
        notice.className = `alert alert-${level} o_ev_live_notice`;
    },

    _setText(selector, text) {
        for (const el of this.el.querySelectorAll(selector)) {
            el.textContent = text;
        }
    },

    _render(values, source) {
        this.live = values;
        this.el.dataset.liveSource = source;
        this.el.dataset.liveState = values.state;
        const state = this.el.querySelector(".o_ev_live_state");
        state.textContent = values.state_label;
        state.classList.toggle("text-bg-success", values.state === "done");
        state.classList.toggle("text-bg-info", values.state !== "done");
        this._setText(".o_ev_live_energy", formatFloat(values.energy_kwh, { digits: [0, 3] }));
        this._setText(".o_ev_live_power", formatFloat(values.power_kw, { digits: [0, 1] }));
        this._setText(
            ".o_ev_live_amount",
            values.amount === false ? "–" : formatCurrency(values.amount, values.currency_id)
        );
        this.el
            .querySelector(".o_ev_live_amount_final")
            .classList.toggle("d-none", !values.amount_final);
        this.el
            .querySelector(".o_ev_live_amount_so_far")
            .classList.toggle("d-none", values.amount_final);
        this._setText(".o_ev_live_minutes_left", values.minutes_left || "–");
        this.el
            .querySelector(".o_ev_live_soc_box")
            .classList.toggle("d-none", !values.soc);
        this._setText(".o_ev_live_soc", String(values.soc || 0));
        this.el.querySelector(".o_ev_live_waiting")?.classList.toggle(
            "d-none",
            values.state !== "pending"
        );
        this.el
            .querySelector(".o_ev_live_stop_form")
            .classList.toggle("d-none", !values.can_stop);
        if (values.receipt_html && !this._hasReceipt()) {
            // Rendered by the server (portal_ev_session_receipt), in the driver's language.
            this.el.querySelector(".o_ev_live_receipt").innerHTML = values.receipt_html;
        }
    },
});

export default publicWidget.registry.EvSessionLive;
