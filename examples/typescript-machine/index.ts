import * as pulumi from "@pulumi/pulumi";
import * as dm from "@pulumi/docker-machine";

const cfg = new pulumi.Config();

const web = new dm.Machine("web", {
    connection: {
        host: cfg.require("host"),
        user: cfg.get("user") ?? "root",
        privateKey: cfg.requireSecret("privateKey"),
        hostKey: cfg.get("hostKey"),
    },
    daemon: { labels: { "managed-by": "pulumi-typescript" } },
});

export const dockerHost = web.dockerHost;
export const env = web.env;
export const hostKeyFingerprint = web.hostKeyFingerprint;
