/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * Shared folders ([share:N], docs/config.md): the host folder checked at
 * every use (start, command line, add), the transport a share gets on this
 * host, and what the guest types to mount it.  A VM folder is untrusted, so
 * the folder must exist, be a folder, not be / and have no symbolic link
 * in its path: what is shared is exactly what was written.
 */

#define HG_SHARE_ERROR (hg_share_error_quark ())

typedef enum {
  HG_SHARE_ERROR_INVALID,     /* a bad tag, transport or path */
  HG_SHARE_ERROR_FOLDER,      /* the folder is missing, not a folder, /, a symlink */
  HG_SHARE_ERROR_EXISTS,      /* the tag or folder is shared already */
  HG_SHARE_ERROR_NOT_FOUND,   /* no such share to remove */
  HG_SHARE_ERROR_UNSUPPORTED, /* virtiofs asked for where it cannot run */
} HgShareErrorCode;

GQuark      hg_share_error_quark (void);

/* The share's folder, absolute and canonical, after the checks above;
 * NULL with HG_SHARE_ERROR_FOLDER naming the folder and what names it
 * (the share's group, "[share:N] path"). */
char       *hg_share_check_folder   (HgVmConfig    *config,
                                     const HgShare *share,
                                     guint          index,
                                     GError       **error);

/* The transport the share gets: 9p when read-only, virtiofs for auto
 * where virtiofsd can run (hg_virtiofsd_usable), else 9p. */
HgShareTransport hg_share_effective_transport (const HgShare *share);

/* What the guest runs to mount it on /mnt:
 * "mount -t virtiofs TAG /mnt" or
 * "mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt" (",ro" added) */
char       *hg_share_mount_command  (const HgShare *share);

/* A tag made of the folder's name: its letters, digits, . _ - (others
 * become _), at most 36, "share" when nothing is left */
char       *hg_share_default_tag    (const char    *path);

G_END_DECLS
