# The official Odoo 18 image plus the Python packages ev_billing needs that the image lacks.
FROM odoo:18
USER root
RUN pip3 install --no-cache-dir --break-system-packages "holidays>=0.60" "openpyxl>=3.0"
USER odoo
