# One image for every service; the compose file picks the service by command.
#   docker build -t flight-platform .
#   docker run --rm flight-platform                                   # the gateway
#   docker run --rm flight-platform nameko run --config config.yaml order.service:OrderService
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root: the services only read it.
COPY . .
RUN useradd --system --no-create-home --uid 10001 app \
 && mkdir /mail && chown app /mail  # the SMTP sink's messages (compose mounts a volume here)
USER app

# Inside a container every service listens on all interfaces; compose sets the rest.
ENV GATEWAY_ADDRESS=0.0.0.0:8000
EXPOSE 8000

# Exec form: `nameko run` is PID 1 and gets SIGTERM, so `docker stop` is graceful.
# One-shot migrations: `python -m ops migrate`.
CMD ["nameko", "run", "--config", "config.yaml", "gateway.service:GatewayService"]
