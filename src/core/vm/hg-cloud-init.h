/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-vm-spec.h"

G_BEGIN_DECLS

/*
 * VMs from cloud images: the NoCloud seed that cloud-init in the image
 * reads on its first boot, an ISO 9660 CD labelled "cidata" (Joliet + Rock
 * Ridge, made by xorriso) holding
 *
 *   user-data   #cloud-config: the user, its password as a SHA-512 crypt(3)
 *               hash with a random salt (never the password itself) and/or
 *               its SSH keys, the host name;
 *   meta-data   instance-id (unique per VM: its uuid) and local-hostname.
 *
 * Every value is checked before it is written into the YAML (user name,
 * host name, SSH key lines), and strings are double-quoted YAML.
 */

#define HG_CLOUD_INIT_ERROR (hg_cloud_init_error_quark ())

typedef enum {
  HG_CLOUD_INIT_ERROR_USER,      /* not a user name cloud-init can make */
  HG_CLOUD_INIT_ERROR_HOSTNAME,
  HG_CLOUD_INIT_ERROR_SSH_KEY,   /* missing, empty or not a public key */
  HG_CLOUD_INIT_ERROR_NO_LOGIN,  /* neither a password nor a key */
  HG_CLOUD_INIT_ERROR_FAILED,    /* writing the seed (xorriso) */
} HgCloudInitError;

GQuark hg_cloud_init_error_quark (void);

typedef struct {
  const char *user;           /* required: [a-z_][a-z0-9_-]* up to 32 */
  const char *password_hash;  /* from hg_cloud_init_hash_password, or NULL */
  const char *ssh_keys;       /* authorized_keys lines, or NULL */
  const char *hostname;       /* required: an RFC 1123 host name */
  const char *instance_id;    /* required: unique per VM */
} HgCloudInitParams;

/* crypt(3) SHA-512 ("$6$<random salt>$...") of password */
char     *hg_cloud_init_hash_password (const char  *password,
                                       GError     **error);
/* The public keys of an authorized_keys-style file (comments and blank
 * lines dropped); a missing, empty or key-less file is refused, naming it */
char     *hg_cloud_init_read_ssh_keys (const char  *path,
                                       GError     **error);

gboolean  hg_cloud_init_check         (const HgCloudInitParams  *params,
                                       GError                  **error);
char     *hg_cloud_init_user_data     (const HgCloudInitParams  *params);
char     *hg_cloud_init_meta_data     (const HgCloudInitParams  *params);

/* Checks params and writes the seed ISO to iso_path (0644: QEMU reads it
 * as the user; it holds no password, only its hash).  Blocking. */
gboolean  hg_cloud_init_write_seed    (const HgCloudInitParams  *params,
                                       const char               *iso_path,
                                       GError                  **error);

/* Makes spec's creation (hg_vm_spec_create_async, spec source
 * existing-disk with image-path = image, in place or copied) a cloud-image
 * VM: with overlay, disk 0 becomes a qcow2 overlay <label>.qcow2 of image
 * (absolute; [disk:0] allow-backing names it; a raw image fails the
 * creation: it cannot be a backing file), else the copy stays; then the
 * seed <label>-seed.iso (instance-id "iid-<uuid>") in a CD drive, boot
 * from disk.  size: bytes the disk grows to (0 = the image's; never less
 * than that: the caller checks).  params are copied (instance_id is
 * ignored). */
void      hg_cloud_init_set_spec_hook (HgVmSpec                *spec,
                                       const HgCloudInitParams *params,
                                       const char              *image,
                                       gboolean                 overlay,
                                       guint64                  size);

/* The libosinfo short id of the OS of a cloud image (by the image's file
 * name among the images osinfo-db lists), or NULL = unknown */
char     *hg_cloud_image_detect_os    (const char *image_path);

G_END_DECLS
