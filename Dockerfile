# Image Studio MCP for Cloud Run. Two stages: the build stage has the dev dependencies
# (TypeScript) and compiles server/ to dist/; the runtime stage has production dependencies,
# dist/ and the app's icons only. The dashboard is not in the image: Firebase Hosting serves it.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY server ./server
RUN npm run build:server

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# tsc compiles only .ts: the app's icons are read from the source folder (server/ui/icon-routes.ts).
COPY --from=build /app/server/ui/icons ./server/ui/icons
# Cloud Run sets PORT (8080); the server reads it.
ENV PORT=8080
EXPOSE 8080
USER node
# Exec form: node is PID 1 and receives Cloud Run's SIGTERM itself, then drains (server/main.ts).
# Heap limit for the 2 GiB instances cloudbuild.yaml deploys: 8 concurrent 4K generations
# peaked at 1.0–1.1 GB RSS here (about 100–120 MB each above an idle 170 MB; docs/performance.md).
# Gemini's base64 answers (tens of MB each) are parsed on the V8 heap of the Gemini thread
# (which gets the same limit), decoded pixels live in sharp's native memory outside it;
# 1 GiB of heap leaves the rest of the 2 GiB for that, so V8 collects before the container
# hits its limit. Change both together.
CMD ["node", "--max-old-space-size=1024", "--enable-source-maps", "dist/server/main.js"]
