# The official Odoo 18 image plus what ev_billing needs that the image lacks: Python packages, and
# Thai fonts so that PDFs (tax invoices, receipts) print Thai text (wkhtmltopdf uses fontconfig).
FROM odoo:18
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-thai-tlwg fonts-noto-core \
    && rm -rf /var/lib/apt/lists/* \
    && fc-cache -f
RUN pip3 install --no-cache-dir --break-system-packages "holidays>=0.60" "openpyxl>=3.0" "phonenumbers>=8.12"
USER odoo
