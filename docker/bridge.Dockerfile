FROM python:3.12-slim
WORKDIR /app
COPY ev_ocpp_bridge /app/ev_ocpp_bridge
RUN pip install --no-cache-dir /app/ev_ocpp_bridge
ENV OCPP_HOST=0.0.0.0 OCPP_PORT=9000 COMMAND_HOST=0.0.0.0 COMMAND_PORT=8181 OUTBOX_PATH=/data/outbox.sqlite3
VOLUME /data
EXPOSE 9000 8181
CMD ["ev-ocpp-bridge"]
