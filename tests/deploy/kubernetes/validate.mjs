// Offline validation of rolewatch's rendered Kubernetes manifests
// (`kubectl kustomize` output), run by tests/deploy/kubernetes_test.sh.
// Why: no cluster is reachable from the test machines, yet a manifest that
// the API server would refuse, or that loosens the pod's security, must fail
// CI. Each object goes through five checks:
//   schema     the Kubernetes / Prometheus Operator JSON schemas
//              (kubernetes-models validate(): types, required fields, enums)
//   fields     unknown fields, as the API server's strict field validation
//              refuses them (TypeScript's excess-property check against the
//              same packages' type declarations)
//   security   the restricted pod settings rolewatch promises
//              (docs/deployment.md#kubernetes)
//   references names and selectors that must meet (ConfigMap, Service,
//              ServiceMonitor, PDB, NetworkPolicy, ServiceAccount)
//   config     the ConfigMap's rolewatch.yaml passes `rolewatch check-config`
//              with the environment and files the pod would have
//   secrets    with --secrets: the Secrets that the documented
//              `kubectl create secret` commands make (rendered with
//              --dry-run=client) hold every key the pod mounts
// Usage:
//   node validate.mjs --modules DIR --rolewatch BIN --work DIR
//        [--secrets FILE] [--allow-missing KIND] NAME=FILE...
//   node validate.mjs --modules DIR --rolewatch BIN --work DIR
//        [--secrets FILE] --self-check FILE
// --self-check feeds broken variants of FILE's objects and fails unless
// every one is rejected, so a validator that accepts anything cannot pass.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const WORKLOAD_KINDS = new Set(["StatefulSet", "Deployment", "DaemonSet", "Job", "CronJob", "Pod"]);
const RUN_AS_USER = 10001;
const METRICS_PORT = 9464;
const SHUTDOWN_SECONDS = 20; // the run's shutdown watchdog (stream/runtime/runner.hpp)
const REQUIRED_KINDS = [
  "ServiceAccount", "ConfigMap", "Service", "StatefulSet",
  "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor",
];

function parseArgs(argv) {
  const args = { overlays: [], selfCheck: null, secrets: null, allowMissing: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === "--modules") args.modules = argv[++i];
    else if (a === "--rolewatch") args.rolewatch = argv[++i];
    else if (a === "--work") args.work = argv[++i];
    else if (a === "--self-check") args.selfCheck = argv[++i];
    else if (a === "--secrets") args.secrets = argv[++i];
    else if (a === "--allow-missing") args.allowMissing.push(argv[++i]);
    else if (a.includes("=")) {
      const [name, file] = a.split("=", 2);
      args.overlays.push({ name, file });
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!args.modules || !args.rolewatch || !args.work) {
    throw new Error("--modules, --rolewatch and --work are required");
  }
  return args;
}

// ---- loading ---------------------------------------------------------------

function loadObjects(requireModule, file) {
  const YAML = requireModule("yaml");
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null) objects.push(value);
  }
  return objects;
}

const label = (o) => `${o?.kind ?? "?"}/${o?.metadata?.name ?? "?"}`;

// The model package and type-declaration path of an apiVersion/kind.
function modelPath(obj) {
  const apiVersion = String(obj.apiVersion ?? "");
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  }
  return `kubernetes-models/${apiVersion}`;
}

function modelClass(requireModule, obj) {
  let mod;
  try {
    mod = requireModule(modelPath(obj));
  } catch {
    return null;
  }
  const cls = mod[obj.kind];
  return typeof cls === "function" ? cls : null;
}

// ---- schema and fields -----------------------------------------------------

function schemaErrors(requireModule, obj) {
  const Model = modelClass(requireModule, obj);
  if (!Model) return [`${label(obj)}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`];
  try {
    new Model(structuredClone(obj)).validate();
    return [];
  } catch (e) {
    return [`${label(obj)}: schema: ${e.message}`];
  }
}

// Every object as a typed TypeScript constant; tsc's excess-property check
// names each field the API would not know.
function fieldErrors(requireModule, modulesDir, objects, tag) {
  const ts = requireModule("typescript");
  const lines = [];
  const owner = [];
  objects.forEach((obj, i) => {
    if (!modelClass(requireModule, obj)) return; // reported by the schema check
    const typeName = `T${i}`;
    const literal = JSON.stringify(obj, null, 2).split("\n");
    const header = [
      `import type { I${obj.kind} as ${typeName} } from "${modelPath(obj)}/${obj.kind}";`,
      `export const o${i}: ${typeName} = ${literal[0]}`,
    ];
    for (const l of [...header, ...literal.slice(1), ";"]) {
      lines.push(l);
      owner.push(obj);
    }
  });
  const file = path.join(modulesDir, `manifests-${tag}.ts`);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (!d.file) return `fields: ${text}`;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${label(owner[line])}: fields: ${text} (line ${line + 1} of ${file})`;
  });
}

// ---- security --------------------------------------------------------------

function podSpecOf(obj) {
  if (obj.kind === "Pod") return obj.spec;
  if (obj.kind === "CronJob") return obj.spec?.jobTemplate?.spec?.template?.spec;
  return obj.spec?.template?.spec;
}

function podLabelsOf(obj) {
  if (obj.kind === "Pod") return obj.metadata?.labels ?? {};
  return obj.spec?.template?.metadata?.labels ?? {};
}

function probeErrors(where, c, name, wantPath) {
  const probe = c[name];
  if (!probe) return [`${where}: no ${name}`];
  const get = probe.httpGet;
  const portOk = get && (get.port === METRICS_PORT ||
    (c.ports ?? []).some((p) => p.name === get.port && p.containerPort === METRICS_PORT));
  if (!get || get.path !== wantPath || !portOk) {
    return [`${where}: ${name} must GET ${wantPath} on port ${METRICS_PORT}`];
  }
  return [];
}

function resourceErrors(where, c) {
  const errors = [];
  for (const kind of ["requests", "limits"]) {
    for (const r of ["cpu", "memory"]) {
      if (c.resources?.[kind]?.[r] === undefined) errors.push(`${where}: no resources.${kind}.${r}`);
    }
  }
  return errors;
}

function containerSecurityErrors(where, pod, c) {
  const sc = c.securityContext ?? {};
  const psc = pod.securityContext ?? {};
  const effective = (key) => (sc[key] !== undefined ? sc[key] : psc[key]);
  const errors = [];
  if (effective("runAsNonRoot") !== true) errors.push(`${where}: runAsNonRoot is not true`);
  if (effective("runAsUser") !== RUN_AS_USER) errors.push(`${where}: runAsUser is not ${RUN_AS_USER}`);
  if (sc.readOnlyRootFilesystem !== true) errors.push(`${where}: readOnlyRootFilesystem is not true`);
  if (sc.allowPrivilegeEscalation !== false) errors.push(`${where}: allowPrivilegeEscalation is not false`);
  if (sc.privileged === true) errors.push(`${where}: privileged`);
  if (!(sc.capabilities?.drop ?? []).includes("ALL")) errors.push(`${where}: capabilities do not drop ALL`);
  if ((sc.capabilities?.add ?? []).length) errors.push(`${where}: capabilities added`);
  if (effective("seccompProfile")?.type !== "RuntimeDefault") {
    errors.push(`${where}: seccompProfile is not RuntimeDefault`);
  }
  return errors;
}

function podSecurityErrors(obj) {
  const pod = podSpecOf(obj);
  if (!pod) return [`${label(obj)}: no pod template`];
  const errors = [];
  for (const flag of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (pod[flag]) errors.push(`${label(obj)}: ${flag}`);
  }
  if ((pod.volumes ?? []).some((v) => v.hostPath)) errors.push(`${label(obj)}: hostPath volume`);
  if (pod.automountServiceAccountToken !== false) {
    errors.push(`${label(obj)}: automountServiceAccountToken is not false`);
  }
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  if (!containers.length) errors.push(`${label(obj)}: no containers`);
  for (const c of containers) {
    const where = `${label(obj)} container ${c.name}`;
    errors.push(...containerSecurityErrors(where, pod, c), ...resourceErrors(where, c));
  }
  for (const c of pod.containers ?? []) {
    const where = `${label(obj)} container ${c.name}`;
    errors.push(...probeErrors(where, c, "livenessProbe", "/healthz"));
    errors.push(...probeErrors(where, c, "readinessProbe", "/readyz"));
  }
  if (!((pod.terminationGracePeriodSeconds ?? 30) > SHUTDOWN_SECONDS)) {
    errors.push(`${label(obj)}: terminationGracePeriodSeconds must exceed the ${SHUTDOWN_SECONDS} s shutdown`);
  }
  return errors;
}

function statefulSetErrors(obj) {
  const errors = [];
  if (obj.spec?.replicas !== 1) errors.push(`${label(obj)}: replicas must be 1 (state is per pod)`);
  const claims = (obj.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name);
  const mounts = (podSpecOf(obj)?.containers ?? []).flatMap((c) => c.volumeMounts ?? []);
  const state = mounts.find((m) => m.mountPath === "/var/lib/rolewatch");
  if (!state || !claims.includes(state.name)) {
    errors.push(`${label(obj)}: /var/lib/rolewatch is not on a volumeClaimTemplate`);
  }
  return errors;
}

function networkPolicyErrors(obj) {
  const types = obj.spec?.policyTypes ?? [];
  const errors = [];
  if (!types.includes("Ingress") || !types.includes("Egress")) {
    errors.push(`${label(obj)}: policyTypes must hold Ingress and Egress`);
  }
  const ports = (obj.spec?.ingress ?? []).flatMap((rule) => rule.ports ?? [undefined]);
  if (!ports.length || ports.some((p) => p?.port !== "metrics" && p?.port !== METRICS_PORT)) {
    errors.push(`${label(obj)}: ingress must allow only the metrics port`);
  }
  return errors;
}

function securityErrors(objects, allowMissing) {
  const errors = [];
  for (const obj of objects) {
    if (WORKLOAD_KINDS.has(obj.kind)) errors.push(...podSecurityErrors(obj));
    if (obj.kind === "StatefulSet") errors.push(...statefulSetErrors(obj));
    if (obj.kind === "NetworkPolicy") errors.push(...networkPolicyErrors(obj));
    if (obj.kind === "ServiceAccount" && obj.automountServiceAccountToken !== false) {
      errors.push(`${label(obj)}: automountServiceAccountToken is not false`);
    }
  }
  const kinds = new Set(objects.map((o) => o.kind));
  for (const kind of REQUIRED_KINDS) {
    if (!kinds.has(kind) && !allowMissing.includes(kind)) errors.push(`missing a ${kind}`);
  }
  return errors;
}

// ---- references ------------------------------------------------------------

const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) &&
  Object.keys(selector ?? {}).length > 0;

function find(objects, kind, name) {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name);
}

function workloadReferenceErrors(objects, obj) {
  const pod = podSpecOf(obj) ?? {};
  const errors = [];
  for (const v of pod.volumes ?? []) {
    if (v.configMap && !find(objects, "ConfigMap", v.configMap.name)) {
      errors.push(`${label(obj)}: volume ${v.name} names ConfigMap ${v.configMap.name}, which is not rendered`);
    }
  }
  const sa = pod.serviceAccountName;
  if (sa && !find(objects, "ServiceAccount", sa)) errors.push(`${label(obj)}: no ServiceAccount ${sa}`);
  if (obj.spec?.selector?.matchLabels && !matches(obj.spec.selector.matchLabels, podLabelsOf(obj))) {
    errors.push(`${label(obj)}: selector does not match the pod labels`);
  }
  if (obj.kind === "StatefulSet" && !find(objects, "Service", obj.spec?.serviceName)) {
    errors.push(`${label(obj)}: serviceName ${obj.spec?.serviceName} is not rendered`);
  }
  return errors;
}

function selectorErrors(objects, pods) {
  const errors = [];
  const selects = (selector) => pods.some((p) => matches(selector, podLabelsOf(p)));
  for (const o of objects) {
    if (o.kind === "Service" && !selects(o.spec?.selector)) errors.push(`${label(o)}: selects no pod`);
    if (o.kind === "PodDisruptionBudget" && !selects(o.spec?.selector?.matchLabels)) {
      errors.push(`${label(o)}: selects no pod`);
    }
    if (o.kind === "NetworkPolicy" && !selects(o.spec?.podSelector?.matchLabels)) {
      errors.push(`${label(o)}: selects no pod`);
    }
    if (o.kind === "ServiceMonitor") errors.push(...serviceMonitorErrors(objects, o));
  }
  return errors;
}

function serviceMonitorErrors(objects, monitor) {
  const services = objects.filter((s) => s.kind === "Service" &&
    matches(monitor.spec?.selector?.matchLabels, s.metadata?.labels));
  if (!services.length) return [`${label(monitor)}: selects no Service`];
  const names = services.flatMap((s) => (s.spec?.ports ?? []).map((p) => p.name));
  return (monitor.spec?.endpoints ?? [])
    .filter((e) => !names.includes(e.port))
    .map((e) => `${label(monitor)}: endpoint port ${e.port} is not a port of the Service`);
}

function referenceErrors(objects) {
  const pods = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  return [...pods.flatMap((p) => workloadReferenceErrors(objects, p)), ...selectorErrors(objects, pods)];
}

// ---- the configuration -----------------------------------------------------

const FAKE_SECRETS = {
  "eventhubs-connection-string":
    "Endpoint=sb://contoso-audit.servicebus.windows.net/;SharedAccessKeyName=rolewatch-listen;" +
    "SharedAccessKey=bm90LWEtcmVhbC1rZXk=",
  "webhook-secret": "whsec_V0VCSE9PSy1TM0NSRVQ=",
};

// What the AKS workload identity webhook injects into a labelled pod.
function workloadIdentityEnv(objects, pod, root) {
  const sa = find(objects, "ServiceAccount", pod.serviceAccountName);
  const clientId = sa?.metadata?.annotations?.["azure.workload.identity/client-id"];
  const tokenFile = path.join(root, "var/run/secrets/azure/tokens/azure-identity-token");
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true });
  fs.writeFileSync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.e30.sig\n");
  return {
    AZURE_CLIENT_ID: clientId ?? "",
    AZURE_TENANT_ID: "11111111-2222-3333-4444-555555555555",
    AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    AZURE_AUTHORITY_HOST: "https://login.microsoftonline.com/",
  };
}

// Lays out the pod's mounts under `root` (ConfigMap files, Secret items with
// fake values, empty directories) and returns the container's environment
// with its absolute paths moved under `root`.
function materializePod(objects, workload, root) {
  const pod = podSpecOf(workload);
  const container = pod.containers[0];
  const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const m of container.volumeMounts ?? []) {
    const dir = path.join(root, m.mountPath);
    fs.mkdirSync(dir, { recursive: true });
    const v = volumes[m.name] ?? {};
    const configMap = v.configMap && find(objects, "ConfigMap", v.configMap.name);
    for (const [key, text] of Object.entries(configMap?.data ?? {})) fs.writeFileSync(path.join(dir, key), text);
    for (const item of v.secret?.items ?? []) {
      fs.writeFileSync(path.join(dir, item.path), (FAKE_SECRETS[item.key] ?? "not-a-real-secret") + "\n");
    }
  }
  const env = {};
  for (const e of container.env ?? []) {
    env[e.name] = String(e.value ?? "").startsWith("/") ? path.join(root, e.value) : e.value;
  }
  if (podLabelsOf(workload)["azure.workload.identity/use"] === "true") {
    Object.assign(env, workloadIdentityEnv(objects, pod, root));
  }
  return { container, env };
}

// Workload identity needs three things to meet: the auth mode in the
// configuration, the pod label the webhook acts on, and the client id on
// the ServiceAccount.
function identityErrors(objects, workload, configText) {
  const wantsIdentity = /mode:\s*workload-identity/.test(configText);
  const labelled = podLabelsOf(workload)["azure.workload.identity/use"] === "true";
  if (!wantsIdentity && !labelled) return [];
  if (!labelled) return [`${label(workload)}: auth mode workload-identity without the azure.workload.identity/use label`];
  const sa = find(objects, "ServiceAccount", podSpecOf(workload).serviceAccountName);
  if (!sa?.metadata?.annotations?.["azure.workload.identity/client-id"]) {
    return [`${label(sa)}: no azure.workload.identity/client-id annotation`];
  }
  return [];
}

function configArg(container) {
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  const i = args.indexOf("--config");
  return i >= 0 ? args[i + 1] : undefined;
}

function configErrors(objects, rolewatch, root) {
  const workload = objects.find((o) => o.kind === "StatefulSet");
  if (!workload) return ["config: no StatefulSet"];
  fs.rmSync(root, { recursive: true, force: true });
  const { container, env } = materializePod(objects, workload, root);
  const config = configArg(container);
  if (!config) return [`${label(workload)}: args have no --config`];
  const file = path.join(root, config);
  if (!fs.existsSync(file)) return [`${label(workload)}: --config ${config} is not a mounted file`];
  const text = fs.readFileSync(file, "utf8").replace(/(^|\s)#.*$/gm, "$1"); // comments
  const unset = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]).filter((n) => !(n in env));
  const identity = identityErrors(objects, workload, text);
  if (identity.length) return identity;
  if (unset.length) return [`config: ${config} uses \${${unset[0]}}, which the pod's environment does not set`];
  const result = spawnSync(rolewatch, ["check-config", file], {
    env: { PATH: process.env.PATH, ...env }, encoding: "utf8",
  });
  if (result.status !== 0) return [`config: rolewatch check-config exit ${result.status}: ${result.stderr.trim()}`];
  return [];
}

// ---- the user-created Secret ----------------------------------------------

function secretErrors(objects, secrets) {
  const errors = [];
  for (const workload of objects.filter((o) => WORKLOAD_KINDS.has(o.kind))) {
    for (const v of podSpecOf(workload)?.volumes ?? []) {
      if (!v.secret) continue;
      const keys = (v.secret.items ?? []).map((i) => i.key);
      const candidates = secrets.filter((s) => s.kind === "Secret" && s.metadata?.name === v.secret.secretName &&
        s.metadata?.namespace === workload.metadata?.namespace);
      const missingIn = (secret) => keys.filter((k) => !(k in (secret.data ?? {})));
      if (!candidates.some((secret) => missingIn(secret).length === 0)) {
        const missing = candidates.length ? missingIn(candidates[0]) : [];
        errors.push(`secrets: no documented Secret ${v.secret.secretName} in namespace ` +
          `${workload.metadata?.namespace} holds ${missing.join(", ") || "the volume"}`);
      }
    }
  }
  return errors;
}

// ---- driving ---------------------------------------------------------------

function validate(ctx, objects, tag) {
  const root = path.join(ctx.work, `pod-${tag}`);
  return [
    ...objects.flatMap((o) => schemaErrors(ctx.requireModule, o)),
    ...fieldErrors(ctx.requireModule, ctx.modules, objects, tag),
    ...securityErrors(objects, ctx.allowMissing),
    ...referenceErrors(objects),
    ...configErrors(objects, ctx.rolewatch, root),
    ...(ctx.secretObjects ? secretErrors(objects, ctx.secretObjects) : []),
  ];
}

function validateOverlays(ctx, overlays) {
  let failed = 0;
  for (const { name, file } of overlays) {
    const objects = loadObjects(ctx.requireModule, file);
    const errors = validate(ctx, objects, name);
    const kinds = [...new Set(objects.map((o) => o.kind))];
    if (errors.length) {
      ++failed;
      console.log(`FAIL ${name}: ${errors.length} problem(s)`);
      for (const e of errors) console.log(`  ${e}`);
    } else {
      console.log(`ok   ${name}: ${objects.length} objects of ${kinds.length} kinds validated ` +
        `(${kinds.join(", ")}): schema, fields, security, references, check-config` +
        (ctx.secretObjects ? ", secrets" : ""));
    }
  }
  return failed === 0;
}

// Broken variants of a good rendering: each must be rejected by the check
// that guards it.
const BREAKAGES = [
  ["schema: replicas as a string", /schema: .*replicas must be integer/,
    (o) => { sts(o).spec.replicas = "one"; }],
  ["fields: a misspelt securityContext", /fields: .*securityContxt/,
    (o) => { ctr(o).securityContxt = ctr(o).securityContext; }],
  ["schema: an unknown kind", /no schema for apiVersion apps\/v1 kind StatefullSet/,
    (o) => { o.push({ apiVersion: "apps/v1", kind: "StatefullSet", metadata: { name: "x" } }); }],
  ["security: a writable root filesystem", /readOnlyRootFilesystem is not true/,
    (o) => { ctr(o).securityContext.readOnlyRootFilesystem = false; }],
  ["security: capabilities kept", /do not drop ALL/, (o) => { delete ctr(o).securityContext.capabilities; }],
  ["security: no readiness probe", /no readinessProbe/, (o) => { delete ctr(o).readinessProbe; }],
  ["security: no memory limit", /no resources.limits.memory/, (o) => { delete ctr(o).resources.limits.memory; }],
  ["references: a ConfigMap that is not rendered", /names ConfigMap .*not rendered/,
    (o) => { sts(o).spec.template.spec.volumes.find((v) => v.configMap).configMap.name = "gone"; }],
  ["config: an unknown key in rolewatch.yaml", /check-config exit 2: .*unknown key/,
    (o) => { cm(o).data["rolewatch.yaml"] += "unknown_section: {}\n"; }],
  ["config: a variable the pod does not set", /uses \$\{ROLEWATCH_STATE_DIR\}, which the pod's environment does not set/,
    (o) => { ctr(o).env = ctr(o).env.filter((e) => e.name !== "ROLEWATCH_STATE_DIR"); }],
  ["config: a secret file the Secret volume does not hold", /check-config exit 2: .*cannot read/,
    (o) => { for (const v of sts(o).spec.template.spec.volumes) if (v.secret) v.secret.items = []; }],
  ["secrets: a key the documented Secret does not hold", /secrets: no documented Secret .* holds renamed-key/,
    (o) => { sts(o).spec.template.spec.volumes.find((v) => v.secret).secret.items[0].key = "renamed-key"; }],
  ["identity: workload-identity without the pod label", /without the azure.workload.identity\/use label/,
    (o) => podLabels(o)["azure.workload.identity/use"] === "true" && delete podLabels(o)["azure.workload.identity/use"]],
  ["identity: workload-identity without the client id", /no azure.workload.identity\/client-id annotation/,
    (o) => podLabels(o)["azure.workload.identity/use"] === "true" &&
      delete o.find((x) => x.kind === "ServiceAccount").metadata.annotations],
];
const podLabels = (o) => sts(o).spec.template.metadata.labels;
const sts = (o) => o.find((x) => x.kind === "StatefulSet");
const ctr = (o) => sts(o).spec.template.spec.containers[0];
const cm = (o) => o.find((x) => x.kind === "ConfigMap");

function selfCheck(ctx, file) {
  const good = loadObjects(ctx.requireModule, file);
  let caught = 0;
  let tried = 0;
  BREAKAGES.forEach(([what, expected, breakIt], i) => {
    const objects = structuredClone(good);
    if (breakIt(objects) === false) return; // does not apply to this rendering
    ++tried;
    const errors = validate(ctx, objects, `self-check-${i}`);
    const hit = errors.some((e) => expected.test(e));
    if (hit) ++caught;
    console.log(`${hit ? "ok  " : "FAIL"} self-check: ${what}: ${hit ? "rejected" : "NOT rejected"}` +
      (hit ? "" : ` (errors: ${errors.join("; ") || "none"})`));
  });
  console.log(`self-check: ${caught} of ${tried} broken variants rejected`);
  return caught === tried && tried > 0;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.work, { recursive: true });
  const requireModule = createRequire(path.join(path.resolve(args.modules), "package.json"));
  const secretObjects = args.secrets ? loadObjects(requireModule, args.secrets) : null;
  const ctx = { ...args, requireModule, secretObjects };
  const ok = args.selfCheck ? selfCheck(ctx, args.selfCheck) : validateOverlays(ctx, args.overlays);
  process.exit(ok ? 0 : 1);
}

main();
