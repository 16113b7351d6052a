/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Reaching another host's Hangar over OpenSSH (docs/protocol.md).
 *
 * The remote side is the same hangarctl, driven with --json commands; every
 * command, event stream and console rides on one OpenSSH master connection
 * per host (ControlMaster=auto, ControlPath=<runtime root>/ssh-%C,
 * ControlPersist): one authentication per host, and OpenSSH's own config,
 * agent, known_hosts and ProxyJump.
 *
 * No shell on this side ever sees user data: ssh gets an argv.  The remote
 * side of ssh always runs the command through the remote user's login
 * shell, so each remote argument is quoted for a POSIX shell
 * (hg_ssh_quote()); the destination is checked so that ssh cannot take it
 * for an option.
 */

/* The protocol this hangarctl speaks ("protocol" of `hangarctl version
 * --json`); a remote hangarctl speaking less than HG_PROTOCOL_MIN is too old */
#define HG_PROTOCOL_VERSION 1
#define HG_PROTOCOL_MIN     1

#define HG_SSH_ERROR (hg_ssh_error_quark ())
typedef enum {
  HG_SSH_ERROR_INVALID_TARGET,   /* not ssh://[user@]host[:port] nor an alias */
  HG_SSH_ERROR_CONNECT,          /* ssh failed (exit 255): its own words in the message */
  HG_SSH_ERROR_REMOTE_MISSING,   /* no hangarctl on the remote host */
  HG_SSH_ERROR_REMOTE_TOO_OLD,   /* a hangarctl without the protocol we need */
  HG_SSH_ERROR_PROTOCOL,         /* an answer that is not what the protocol says */
  HG_SSH_ERROR_FAILED,           /* ssh could not be run, a control command failed */
} HgSshError;

GQuark hg_ssh_error_quark (void);

typedef struct {
  char  *text;          /* as given */
  char  *user;          /* NULL: ssh's choice (config, local user) */
  char  *host;          /* host name, address, or a Host alias of ssh_config */
  guint  port;          /* 0: ssh's choice */
  char  *config_file;   /* ssh -F FILE, or NULL for ~/.ssh/config */
} HgSshTarget;

/* "ssh://[user@]host[:port]" (host may be [IPv6]), or "[user@]alias".
 * Refuses what ssh could take for an option or a shell could expand. */
HgSshTarget *hg_ssh_target_parse (const char *text, GError **error);
void         hg_ssh_target_free  (HgSshTarget *target);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgSshTarget, hg_ssh_target_free)

/* One argument quoted for a POSIX shell: 'a'\''b'.  Every byte but the
 * single quote stands for itself inside single quotes (spaces, $, `,
 * backslashes, newlines), so the remote shell passes it on unchanged. */
char  *hg_ssh_quote          (const char *arg);
/* The remote command line: each argument quoted, joined by spaces */
char  *hg_ssh_remote_command (const char * const *argv);

/* The master's socket template, <runtime root>/ssh-%C (the root made
 * 0700 if missing) */
char  *hg_ssh_control_path   (GError **error);

/* { "ssh", the master's options, ssh_options…, "--", host,
 * [quoted remote command], NULL }.  ssh_options are ssh's own (e.g.
 * { "-O", "check" } or { "-W", "/run/…/serial" }), never user data. */
GStrv  hg_ssh_build_argv     (const HgSshTarget  *target,
                              const char * const *ssh_options,
                              const char * const *remote_argv,
                              GError            **error);

/* Runs remote_argv on the target through the master (made if needed),
 * stdin from /dev/null; its stdout in *out (may be NULL), its stderr in
 * *err (may be NULL), exit status in *status (ssh's 255: connection
 * failed).  FALSE only when ssh could not be run. */
gboolean hg_ssh_run_sync     (const HgSshTarget  *target,
                              const char * const *remote_argv,
                              GBytes            **out,
                              char              **err,
                              int                *status,
                              GCancellable       *cancellable,
                              GError            **error);

/* At connect: `<hangarctl> version --json` on the target.  Returns its
 * answer (a JSON object with "protocol" ≥ HG_PROTOCOL_MIN), or NULL with
 * HG_SSH_ERROR_CONNECT (OpenSSH's message), _REMOTE_MISSING or
 * _REMOTE_TOO_OLD saying what to install. */
char    *hg_ssh_probe_sync   (const HgSshTarget  *target,
                              const char         *remote_hangarctl,
                              GCancellable       *cancellable,
                              GError            **error);

/* The master is up (ssh -O check) */
gboolean hg_ssh_master_check (const HgSshTarget *target);
/* Ends the master (ssh -O exit); TRUE if there was none */
gboolean hg_ssh_master_exit  (const HgSshTarget *target,
                              GError           **error);

G_END_DECLS
