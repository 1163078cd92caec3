/**
 * The parts of a generated service that every benchmark's manifests share:
 * the app container's ports, config and resources, its Service and its
 * ConfigMap. Each suite writes its own Deployment head around them.
 */

/** The app container after its `image:` line (10-space indent), with `readiness` as its probe lines. */
export function appContainerTail(i: number, readiness: string): string {
  return `          ports:
            - containerPort: 8080
          ${readiness}
          envFrom:
            - configMapRef: {name: svc-${i}-config}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
`;
}

/** `---`, then the Service and the ConfigMap of svc-i in team-(i mod teams), with `data` (one `KEY: value` per line), ending in `---`. */
export function serviceAndConfig(i: number, teams: number, data: readonly string[]): string {
  return `---
apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
  namespace: team-${i % teams}
spec:
  selector: {app: svc-${i}}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: svc-${i}-config
  namespace: team-${i % teams}
data:
${data.map((d) => `  ${d}\n`).join('')}  UPSTREAM: http://svc-${i + 1}.team-${(i + 1) % teams}
`;
}
