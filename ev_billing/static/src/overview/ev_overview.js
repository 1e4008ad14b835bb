import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const { DateTime } = luxon;

// Bootstrap colour of each OCPP connector status
const STATUS_COLOURS = {
    Available: "success",
    Preparing: "info",
    Charging: "primary",
    SuspendedEVSE: "warning",
    SuspendedEV: "info",
    Finishing: "info",
    Reserved: "warning",
    Unavailable: "secondary",
    Faulted: "danger",
};

/**
 * Monitoring › Overview: every station → charger → connector, live.
 *
 * The server pushes `ev_billing/overview` on the bus (to the EV Viewer group's channel)
 * when a connector, charger or session changes; the board then reloads what this user
 * may read. Offline chargers and faulted connectors come first.
 */
export class EvOverview extends Component {
    static template = "ev_billing.Overview";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.busService = useService("bus_service");
        this.state = useState({ data: null, stationId: false, now: DateTime.now() });
        this.reloadTimeout = null;
        this.onBusNotification = () => this.scheduleLoad();
        this.busService.subscribe("ev_billing/overview", this.onBusNotification);
        this.busService.start();
        // running sessions' elapsed time
        this.clock = setInterval(() => (this.state.now = DateTime.now()), 15000);
        onWillStart(() => this.load());
        onWillUnmount(() => {
            this.busService.unsubscribe("ev_billing/overview", this.onBusNotification);
            clearInterval(this.clock);
            clearTimeout(this.reloadTimeout);
        });
    }

    async load() {
        this.state.data = await this.orm.call("ev.station", "ev_overview_data", [], {
            station_id: this.state.stationId || false,
        });
        this.state.now = DateTime.now();
    }

    /** Several changes arrive together (status, meter, session): reload once. */
    scheduleLoad() {
        clearTimeout(this.reloadTimeout);
        this.reloadTimeout = setTimeout(() => this.load(), 250);
    }

    get counters() {
        const counts = this.state.data?.counts || {};
        return [
            { key: "charging", label: _t("Charging"), value: counts.charging || 0, colour: "primary" },
            { key: "available", label: _t("Available"), value: counts.available || 0, colour: "success" },
            { key: "faulted", label: _t("Faulted"), value: counts.faulted || 0, colour: "danger" },
            { key: "offline", label: _t("Offline"), value: counts.offline || 0, colour: "dark" },
        ];
    }

    statusColour(connector, charger) {
        return charger.online ? STATUS_COLOURS[connector.status] || "secondary" : "dark";
    }

    money(amount) {
        if (amount === null || amount === undefined || amount === false) {
            return "–";
        }
        return formatCurrency(amount, this.state.data.currency.id);
    }

    elapsed(start) {
        if (!start) {
            return "";
        }
        const minutes = Math.max(
            0,
            Math.floor(this.state.now.diff(deserializeDateTime(start), "minutes").minutes)
        );
        return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
    }

    heartbeat(value) {
        return value ? formatDateTime(deserializeDateTime(value)) : _t("never");
    }

    async onStationChange(ev) {
        this.state.stationId = parseInt(ev.target.value) || false;
        await this.load();
    }

    openConnector(connector) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "ev.connector",
            res_id: connector.id,
            views: [[false, "form"]],
        });
    }

    openCharger(charger) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "ev.charger",
            res_id: charger.id,
            views: [[false, "form"]],
        });
    }
}

registry.category("actions").add("ev_billing.overview", EvOverview);
