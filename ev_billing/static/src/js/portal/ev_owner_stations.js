/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * The owner's station pages: connector statuses change live, pushed by Odoo's bus on the
 * owner's own channel (see ev.connector's status write), without reloading.
 */
publicWidget.registry.EvOwnerStations = publicWidget.Widget.extend({
    selector: ".o_ev_owner_stations",

    start() {
        this.call("bus_service", "subscribe", "ev_owner_connector_status", (payload) =>
            this._onConnectorStatus(payload)
        );
        this.call("bus_service", "start");
        return this._super(...arguments);
    },

    _onConnectorStatus({ connector_id, status, css_class }) {
        for (const badge of this.el.querySelectorAll(
            `.o_ev_connector_status[data-connector-id="${connector_id}"]`
        )) {
            badge.querySelector(".o_ev_connector_status_text").textContent = status;
            badge.className = `badge o_ev_connector_status me-1 ${css_class}`;
        }
    },
});
