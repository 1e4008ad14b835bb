import { registry } from "@web/core/registry";

/**
 * What each EV admin level clicks in the backend, as a user holding only that level.
 * tests/test_ev_backend_tour.py starts one tour per level and checks what the clicks
 * left behind (the Excel file, the printed documents).
 */

// [section, menu, what shows once it is open]
const MONITORING = [
    ["menu_ev_overview", ".o_ev_overview .o_ev_count_charging"],
    ["menu_ev_revenue", ".o_breadcrumb:contains(Revenue and Cost)"],
    ["menu_ev_history", ".o_breadcrumb:contains(History) .o_list_view, .o_list_view"],
    ["menu_ev_utilisation", ".o_breadcrumb:contains(Utilisation)"],
];
const MANAGEMENT = [
    ["menu_ev_drivers", ".o_breadcrumb:contains(Users)"],
    ["menu_ev_id_tags", ".o_breadcrumb:contains(RFID Cards)"],
    ["menu_ev_stations", ".o_breadcrumb:contains(Stations)"],
    ["menu_ev_chargers", ".o_breadcrumb:contains(EV Chargers)"],
    ["menu_ev_topup", ".o_breadcrumb:contains(Top up / Withdraw)"],
    ["menu_ev_topup_pending", ".o_breadcrumb:contains(Pending)"],
    ["menu_ev_tax_invoice", ".o_breadcrumb:contains(Tax Invoice)"],
    ["menu_ev_trash", ".o_breadcrumb:contains(Trash)"],
];
const MANAGER_MENUS = [
    ["menu_ev_monitoring", "menu_ev_review", ".o_breadcrumb:contains(Sessions to Review)"],
    ["menu_ev_management", "menu_ev_tariffs", ".o_breadcrumb:contains(Tariffs)"],
    ["menu_ev_management", "menu_ev_tou_holidays", ".o_breadcrumb:contains(Holidays)"],
    ["menu_ev_management", "menu_ev_utility_rates", ".o_breadcrumb:contains(Electricity Cost)"],
    ["menu_ev_management", "menu_ev_owner_statements", ".o_breadcrumb:contains(Owner Statements)"],
    ["menu_ev_management", "menu_ev_owner_plans", ".o_breadcrumb:contains(Owner Plans)"],
];
// menus that open a dialog: [section, menu, what shows in it]
const MANAGER_DIALOGS = [
    ["menu_ev_management", "menu_ev_owner_settle", ".modal button[name=action_settle]"],
];

function openDialog(section, menu, shown) {
    return [
        ...openMenu(section, menu, shown),
        {
            content: "Close the dialog",
            trigger: ".modal .modal-footer button[special=cancel]",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ];
}
const managerDialogSteps = () =>
    MANAGER_DIALOGS.map(([section, menu, shown]) => openDialog(section, menu, shown)).flat();
const ADMIN_MENUS = [
    ["menu_ev_management", "menu_ev_admins", ".o_breadcrumb:contains(Admins)"],
];

function openMenu(section, menu, shown) {
    return [
        {
            content: `Open the ${section.replace("menu_ev_", "")} menu`,
            trigger: `.o_menu_sections button[data-menu-xmlid="ev_billing.${section}"]`,
            run: "click",
        },
        {
            content: `Open ${menu.replace("menu_ev_", "")}`,
            trigger: `.dropdown-item[data-menu-xmlid="ev_billing.${menu}"]`,
            run: "click",
        },
        {
            content: `${menu.replace("menu_ev_", "")} is shown`,
            trigger: shown,
        },
    ];
}

function menuSteps(extra) {
    return [
        ...MONITORING.map(([menu, shown]) => openMenu("menu_ev_monitoring", menu, shown)),
        ...MANAGEMENT.map(([menu, shown]) => openMenu("menu_ev_management", menu, shown)),
        ...extra.map(([section, menu, shown]) => openMenu(section, menu, shown)),
    ].flat();
}

const openTrashEntry = [
    ...openMenu("menu_ev_management", "menu_ev_trash", ".o_breadcrumb:contains(Trash)"),
    {
        content: "Open the deleted station's Trash entry",
        trigger: ".o_list_view .o_data_row .o_data_cell:contains(Trashed Tour Station)",
        run: "click",
    },
    {
        content: "The Trash entry opens",
        trigger: ".o_form_view .o_field_widget[name=name]:contains(Trashed Tour Station)",
    },
    {
        content: "with the kind of record",
        trigger: ".o_form_view .o_field_widget[name=res_model_name]:contains(Station)",
    },
];

function printAbbreviatedTaxInvoice() {
    return [
        ...openMenu("menu_ev_management", "menu_ev_tax_invoice", ".o_list_view"),
        {
            content: "Open the billed session",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains(ABB-)",
            run: "click",
        },
        {
            content: "Open the actions",
            trigger: ".o_form_view .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Print the abbreviated tax invoice",
            trigger: ".o-dropdown-item:contains(Abbreviated Tax Invoice)",
            run: "click",
        },
        {
            content: "The abbreviated tax invoice is shown (HTML without wkhtmltopdf)",
            trigger: ":iframe .ev_abb_number:contains(ABB-)",
        },
    ];
}

registry.category("web_tour.tours").add("ev_billing_backend_viewer_tour", {
    steps: () => [
        ...menuSteps([]),
        ...openTrashEntry,
        ...openMenu("menu_ev_monitoring", "menu_ev_history", ".o_list_view"),
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter History by the current billing cycle",
            trigger: ".o_filter_menu .o_menu_item:contains(Cycle):not(:contains(Previous))",
            run: "click",
        },
        {
            content: "The Cycle filter is applied",
            trigger: ".o_searchview_facet:contains(Cycle)",
        },
        {
            content: "Export the filtered History to Excel",
            trigger: ".o_control_panel button:contains(Export to Excel)",
            run: "click",
        },
        {
            content: "The list is still there once the file is downloaded",
            trigger: ".o_list_view .o_data_row",
        },
    ],
});

registry.category("web_tour.tours").add("ev_billing_backend_operator_tour", {
    steps: () => [
        ...menuSteps([]),
        ...openTrashEntry,
        ...openMenu("menu_ev_management", "menu_ev_topup", ".o_list_view"),
        {
            content: "Top up at the desk",
            trigger: ".o_control_panel button:contains(Top up / Withdraw)",
            run: "click",
        },
        {
            content: "Choose the driver",
            trigger: ".modal .o_field_widget[name=partner_id] input",
            run: "edit Tour Desk Driver",
        },
        {
            content: "Pick the driver",
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Desk Driver)",
            run: "click",
        },
        {
            content: "The amount paid in",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 321",
        },
        {
            content: "Confirm the top-up",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The receipt is shown (HTML without wkhtmltopdf)",
            trigger: ":iframe .ev_receipt_amount:contains(321.00)",
        },
    ],
});

registry.category("web_tour.tours").add("ev_billing_backend_manager_tour", {
    steps: () => [
        ...menuSteps(MANAGER_MENUS),
        ...managerDialogSteps(),
        ...openTrashEntry,
        ...openMenu("menu_ev_management", "menu_ev_chargers", ".o_list_view"),
        {
            content: "Select a charger",
            trigger: ".o_list_view .o_data_row:contains(Tour Spare Box) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the actions",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Delete",
            trigger: ".o-dropdown-item:contains(Delete)",
            run: "click",
        },
        {
            content: "The confirmation says the charger goes to the Trash",
            trigger: ".modal .modal-body:contains(It goes to the Trash)",
        },
        {
            content: "Keep it",
            trigger: ".modal button:contains(No, keep it)",
            run: "click",
        },
        ...printAbbreviatedTaxInvoice(),
    ],
});

registry.category("web_tour.tours").add("ev_billing_backend_admin_tour", {
    steps: () => [
        ...menuSteps([...MANAGER_MENUS, ...ADMIN_MENUS]),
        ...managerDialogSteps(),
        {
            content: "Open the Management menu",
            trigger: '.o_menu_sections button[data-menu-xmlid="ev_billing.menu_ev_management"]',
            run: "click",
        },
        {
            content: "Open the OCPP Bridge dialog",
            trigger: '.dropdown-item[data-menu-xmlid="ev_billing.menu_ev_bridge_access"]',
            run: "click",
        },
        {
            content: "Make a new command token",
            trigger: ".modal button[name=action_new_command_token]",
            run: "click",
        },
        {
            content: "The new token can be copied",
            trigger: ".modal div[name=new_command_token] .o_clipboard_button",
        },
        {
            content: "Save it",
            trigger: ".modal button[name=action_save]",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        ...openTrashEntry,
        ...printAbbreviatedTaxInvoice(),
    ],
});
