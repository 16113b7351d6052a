/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-runtime.h"

G_BEGIN_DECLS

/*
 * A VM's TPM 2.0: swtpm, run as the user, its state in the VM's folder
 * (tpm/), its control socket in the VM's runtime folder.  Hangar binds the
 * socket and hands swtpm the listening fd (as it does QEMU's QMP sockets),
 * so QEMU can connect the moment it starts; swtpm runs with --terminate
 * and so ends when QEMU's connection goes (a stop, a crash, a kill).  A
 * start that fails kills it; a leftover of a dead start, proven ours by
 * its command line, is killed by the next start.
 */

#define HG_SWTPM_SOCKET   "swtpm.sock"
#define HG_SWTPM_PIDFILE  "swtpm.pid"
#define HG_SWTPM_LOG      "swtpm.log"
/* in the VM's folder */
#define HG_SWTPM_STATE_DIR "tpm"
/* the fd swtpm gets its listening control socket on */
#define HG_SWTPM_CTRL_FD  3

#define HG_SWTPM_ERROR (hg_swtpm_error_quark ())

typedef enum {
  HG_SWTPM_ERROR_NOT_INSTALLED,
  HG_SWTPM_ERROR_STATE,        /* the state folder is unusable */
  HG_SWTPM_ERROR_SPAWN,
} HgSwtpmError;

GQuark      hg_swtpm_error_quark (void);

/* <runtime dir>/<name> */
char       *hg_swtpm_runtime_file (const HgRuntimePaths *paths,
                                   const char           *name);

/* swtpm's path ($HANGAR_SWTPM, else on Hangar's PATH), or NULL with an
 * error naming the package */
char       *hg_swtpm_find        (GError **error);

/* Makes <vm_dir>/tpm (0700) unless it exists; refuses a symlink, a
 * non-folder or one not ours.  Blocking. */
gboolean    hg_swtpm_prepare_state (const char  *vm_dir,
                                    GError     **error);

/* A live swtpm of this VM's runtime folder (its pidfile, proven by its
 * command line) is killed: a leftover of a start that was itself killed.
 * Blocking (waits up to a second for it to go). */
void        hg_swtpm_kill_leftover (const HgRuntimePaths *paths);

/* Spawns swtpm socket --tpm2 for vm_dir's state on the listening socket
 * ctrl_fd (taken), output to the log; in its own session, outliving us
 * like QEMU. */
GSubprocess *hg_swtpm_spawn      (const char           *swtpm,
                                  const char           *vm_dir,
                                  const HgRuntimePaths *paths,
                                  int                   ctrl_fd,
                                  GError              **error);

/* swtpm's own complaint from its log ("" when none), for a failed start */
char       *hg_swtpm_log_error   (const HgRuntimePaths *paths);

G_END_DECLS
