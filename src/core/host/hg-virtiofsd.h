/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-runtime.h"

G_BEGIN_DECLS

/*
 * virtiofsd for a VM's virtiofs shares: QEMU's own (Debian 12:
 * /usr/lib/qemu/virtiofsd, the C version), one per share, run as the user.
 * It needs root for its sandbox (mount namespace, pivot_root into the
 * shared folder), so a user who is not root runs it inside a user
 * namespace of its own (`unshare --user --map-root-user`): root there, the
 * user outside, so the guest's files are the user's on the host.  As with
 * swtpm, Hangar binds its vhost-user socket in the VM's runtime folder
 * and hands it the listening fd (--fd), so QEMU connects at once; it ends
 * when QEMU's connection goes.  A start that fails kills it; a leftover of
 * a dead start (pidfile, proven by executable, --fd and the socket its
 * environment names) is killed by the next start.
 */

/* the fd virtiofsd gets its listening socket on */
#define HG_VIRTIOFSD_FD 3

#define HG_VIRTIOFSD_ERROR (hg_virtiofsd_error_quark ())

typedef enum {
  HG_VIRTIOFSD_ERROR_UNUSABLE,
  HG_VIRTIOFSD_ERROR_SPAWN,
} HgVirtiofsdError;

GQuark      hg_virtiofsd_error_quark (void);

/* <runtime dir>/virtiofs-<index>.sock, .pid, .log */
char       *hg_virtiofsd_runtime_file (const HgRuntimePaths *paths,
                                       guint                 index,
                                       const char           *suffix);

/* TRUE when virtiofsd can run for this user: the binary ($HANGAR_VIRTIOFSD
 * if set, "none" for never; else QEMU's own), and for a user other than
 * root `unshare` and user namespaces.  Otherwise why (may be NULL) says
 * what is missing.  Probed once per process; reads files only. */
gboolean    hg_virtiofsd_usable      (char **why);

/* Spawns virtiofsd for folder (checked: hg_share_check_folder) on the
 * listening socket listen_fd (taken), output to its log, its pid in its
 * pidfile; in its own session, outliving us like QEMU. */
GSubprocess *hg_virtiofsd_spawn      (const char           *folder,
                                      const HgRuntimePaths *paths,
                                      guint                 index,
                                      int                   listen_fd,
                                      GError              **error);

/* Every virtiofsd that a start of this runtime folder left running (its
 * pidfile, proven by executable and command line) is killed, and its
 * sockets and pidfiles removed.  Blocking. */
void        hg_virtiofsd_kill_leftovers (const HgRuntimePaths *paths);

/* Removes the virtiofs sockets and pidfiles of the runtime folder (the
 * logs stay, for a failed start) */
void        hg_virtiofsd_clean_runtime  (const HgRuntimePaths *paths);

/* virtiofsd's complaint from its log ("" when none) */
char       *hg_virtiofsd_log_error   (const HgRuntimePaths *paths,
                                      guint                 index);

G_END_DECLS
