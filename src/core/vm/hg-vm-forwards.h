/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-vm.h"
#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * Port forwards of user-mode networking, edited while a VM runs: the
 * config stays the truth (saved atomically, whatever runs), a running VM
 * gets the change at once through HMP hostfwd_add / hostfwd_remove on the
 * NIC's netdev ("netN", as hg-cmdline names it).  A host port that is in
 * use is refused before QEMU is asked, naming the program that holds it
 * when it is this user's (hg-proc-net.h).
 */

#define HG_FORWARD_ERROR (hg_forward_error_quark ())

typedef enum {
  HG_FORWARD_ERROR_INVALID,      /* not a forward: syntax, a port outside 1–65535 */
  HG_FORWARD_ERROR_NO_USER_NET,  /* the VM has no user-mode NIC (there) */
  HG_FORWARD_ERROR_IN_USE,       /* the host port is taken on the host */
  HG_FORWARD_ERROR_EXISTS,       /* this VM forwards that host port already */
  HG_FORWARD_ERROR_NOT_FOUND,    /* no such forward to remove */
  HG_FORWARD_ERROR_QEMU,         /* QEMU refused (its answer is the message) */
} HgForwardError;

GQuark      hg_forward_error_quark (void);

/* Most ports one range may expand to */
#define HG_FORWARD_MAX_RANGE 256

/* "[tcp:|udp:][ADDRESS:]HOSTPORT:GUESTPORT" (also QEMU's HOSTPORT-:GUESTPORT
 * and the config's HOSTPORT-GUESTPORT), ranges "8000-8010:8000-8010" of
 * equal length expanded to one forward per port.  The address is NULL
 * (loopback) unless written; name (may be NULL) is given to each.  With
 * guest_optional, "tcp:2222" is accepted with guest_port 0 (for removal).
 * Returns a GPtrArray of HgHostFwd, or NULL with HG_FORWARD_ERROR_INVALID
 * naming what is wrong. */
GPtrArray  *hg_host_fwd_parse          (const char  *text,
                                        const char  *name,
                                        gboolean     guest_optional,
                                        GError     **error);

/* Refuses a host port that is in use (HG_FORWARD_ERROR_IN_USE naming the
 * port and, where it can be read, the program holding it), one below 1024
 * that this user may not bind, and an address this host does not have. */
gboolean    hg_host_fwd_check_free     (const HgHostFwd *fwd,
                                        GError         **error);

/* What a user types to reach it: "ssh -p 2222 localhost" for guest port 22,
 * "http://localhost:8080" for 80 (https for 443), else "localhost:2222";
 * the address instead of localhost when it listens elsewhere. */
char       *hg_host_fwd_reach_text     (const HgHostFwd *fwd);

/* The index in config->nics of the NIC forwards go to: nic if >= 0 (it
 * must be user-mode), else the first user-mode one; -1 with
 * HG_FORWARD_ERROR_NO_USER_NET naming the VM. */
gint        hg_vm_config_forward_nic   (HgVmConfig  *config,
                                        gint         nic,
                                        GError     **error);

/* Adds the forwards (HgHostFwd*) to the NIC (nic as above): each checked
 * (no clash with the VM's own forwards, host port free), then, while the
 * VM runs, hostfwd_add for each (those added are removed again if one
 * fails), then the config is saved.  Nothing changes on any error. */
void        hg_vm_forwards_add_async   (HgVm                *self,
                                        GPtrArray           *forwards,
                                        gint                 nic,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* Removes the forwards matching each of forwards (protocol and host port;
 * the address and guest port too where given, i.e. non-NULL / non-zero):
 * hostfwd_remove while the VM runs, then the config saved.  A forward the
 * config does not have is HG_FORWARD_ERROR_NOT_FOUND, and nothing
 * changes. */
void        hg_vm_forwards_remove_async (HgVm               *self,
                                        GPtrArray           *forwards,
                                        gint                 nic,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* Both finish with hg_vm_action_finish(). */

G_END_DECLS
