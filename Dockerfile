# Roster as a container image: `docker build -t roster .` (see docs/deployment.md).
# Two stages on the official Node 20 image: the build stage has the compiler and every
# dependency; the runtime stage only the compiled program and the production dependencies.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary for glibc; these tools build it from source only
# when no prebuilt one fits (a new Node release, another CPU). They stay in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Dependencies first: this layer is reused while package*.json are unchanged. No scripts yet:
# `prepare` (the TypeScript build) needs the sources, copied below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY scripts ./scripts
RUN npm run build \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    ROSTER_DATABASE_URL=sqlite:/data/roster.db \
    ROSTER_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/ui ./dist/ui
COPY bin ./bin
# The database lives in the volume, owned by the unprivileged user the server runs as.
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080
# Node is in the image; curl is not. /healthz answers 503 while the database is unreachable.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ROSTER_PORT || 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node as PID 1 receives SIGTERM from `docker stop`; serve finishes in-flight requests on it.
ENTRYPOINT ["node", "bin/roster"]
# Inside the container every interface: the port is reached only as published (-p).
CMD ["serve", "--host", "0.0.0.0"]
