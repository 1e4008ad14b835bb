{
    'name': 'EV Billing',
    'version': '18.0.1.0.0',
    'category': 'Sales/EV Charging',
    'summary': 'Bill OCPP 1.6J EV chargers from Odoo: stations, chargers, RFID cards, drivers',
    'description': """
EV charging stations run from Odoo
==================================
Stations, chargers and connectors fed by the ev_ocpp_bridge OCPP 1.6J central system,
RFID cards and drivers, four admin levels and a Trash from which nothing can be purged.
""",
    'author': 'EV Billing for Odoo contributors',
    'website': 'https://github.com/ev-billing/ev-billing-odoo',
    'license': 'LGPL-3',
    'depends': ['account', 'portal', 'mail', 'bus'],
    'data': [
        'security/ev_billing_security.xml',
        'security/ir.model.access.csv',
        'security/ev_tariff_security.xml',
        'data/ev_billing_data.xml',
        'data/ev_tariff_data.xml',
        'wizard/ev_charger_password_wizard_views.xml',
        'views/ev_trash_views.xml',
        'views/ev_station_views.xml',
        'views/ev_charger_views.xml',
        'views/ev_connector_views.xml',
        'views/ev_id_tag_views.xml',
        'views/ev_tariff_views.xml',
        'views/ev_tou_holiday_views.xml',
        'views/ev_utility_rate_views.xml',
        'views/res_partner_views.xml',
        'views/res_users_views.xml',
        'views/ev_billing_menus.xml',
    ],
    'demo': [
        'demo/ev_billing_demo.xml',
        'demo/ev_tariff_demo.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'ev_billing/static/src/js/tours/*.js',
        ],
    },
    'external_dependencies': {'python': ['holidays']},
    'application': True,
    'installable': True,
}
