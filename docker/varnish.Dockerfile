# syntax=docker/dockerfile:1.7
# Varnish, the L3 edge, as scripts/stack/stack.sh runs it: Debian 12's varnish with the xkey vmod
# (varnish-modules), the exact package versions the stack installs. Build from the repository root:
#   docker build -f docker/varnish.Dockerfile -t platform/varnish .
# The VCL (libs/cache/edge/varnish/default.vcl) and the listeners come from compose.yaml.
FROM debian:bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends varnish=7.1.1-2+deb12u1 varnish-modules=0.20.0-2 \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --system --uid 10101 --user-group --no-create-home --shell /usr/sbin/nologin edge \
  && mkdir -p /var/lib/varnish/platform \
  && chown edge:edge /var/lib/varnish/platform
# varnishd without its privilege-separation jail (-j none) runs every process as this user.
USER 10101:10101
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["varnishadm", "-n", "/var/lib/varnish/platform", "ping"]
ENTRYPOINT ["varnishd", "-F", "-j", "none", "-n", "/var/lib/varnish/platform"]
CMD ["-f", "/etc/varnish/default.vcl", "-a", "127.0.0.1:6081", "-s", "malloc,128m"]
