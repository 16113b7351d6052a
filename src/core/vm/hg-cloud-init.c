/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cloud"
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-cloud-init.h"
#include "hg-disk-image.h"
#include "hg-install-script.h"
#include "hg-osinfo-backend.h"
#include "hg-spawn.h"

#define SSH_KEYS_FILE_MAX (64 * 1024)

G_DEFINE_QUARK (hg-cloud-init-error-quark, hg_cloud_init_error)

char *
hg_cloud_init_hash_password (const char  *password,
                             GError     **error)
{
  /* 32 KiB, on this thread's stack: nothing of it outlives the call */
  struct crypt_data cd = { 0 };
  struct crypt_data *data = &cd;
  char *salt;
  char *hash = NULL;

  g_return_val_if_fail (password != NULL, NULL);

  /* "$6$" + 16 random salt characters from the system's entropy */
  salt = crypt_gensalt_rn ("$6$", 0, NULL, 0, data->setting, sizeof data->setting);
  if (salt != NULL)
    {
      const char *out = crypt_rn (password, data->setting, data, sizeof *data);
      if (out != NULL && out[0] == '$')
        hash = g_strdup (out);
    }
  explicit_bzero (&cd, sizeof cd);
  if (hash == NULL)
    g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_FAILED,
                 _("Cannot hash the password with SHA-512 crypt: %s"), g_strerror (errno));
  return hash;
}

static gboolean
is_key_line (const char *line)
{
  static const char *const types[] = { "ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-sha2-" };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_has_prefix (line, types[i]))
      return strchr (line, ' ') != NULL;
  return FALSE;
}

char *
hg_cloud_init_read_ssh_keys (const char  *path,
                             GError     **error)
{
  g_autofree char *shown = g_filename_display_name (path);
  g_autofree char *text = NULL;
  g_autoptr(GString) keys = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      int errsv = errno;
      g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_SSH_KEY, _("SSH key file %s: %s"),
                   shown, g_strerror (errsv));
      return NULL;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > SSH_KEYS_FILE_MAX)
    {
      g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_SSH_KEY,
                   _("SSH key file %s: not a small regular file"), shown);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_SSH_KEY,
                   _("SSH key file %s is not text"), shown);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line == '\0' || *line == '#')
        continue;
      if (strstr (line, "PRIVATE KEY") != NULL)
        {
          g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_SSH_KEY,
                       _("SSH key file %s holds a private key: give the public one (.pub)"), shown);
          return NULL;
        }
      if (!is_key_line (line))
        {
          g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_SSH_KEY,
                       _("SSH key file %s, line %u: not an OpenSSH public key"), shown, i + 1);
          return NULL;
        }
      g_string_append_printf (keys, "%s\n", line);
    }
  if (keys->len == 0)
    {
      g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_SSH_KEY,
                   _("SSH key file %s holds no public key"), shown);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&keys), FALSE);
}

static gboolean
user_is_valid (const char *user)
{
  gsize len = user != NULL ? strlen (user) : 0;

  if (len == 0 || len > 32 || !(g_ascii_islower (user[0]) || user[0] == '_'))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!(g_ascii_islower (user[i]) || g_ascii_isdigit (user[i]) || user[i] == '_' || user[i] == '-'))
      return FALSE;
  /* names cloud images use for themselves */
  return !g_str_equal (user, "root");
}

static gboolean
hostname_is_valid (const char *name)
{
  g_auto(GStrv) labels = NULL;

  if (name == NULL || *name == '\0' || strlen (name) > 253)
    return FALSE;
  labels = g_strsplit (name, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    {
      gsize len = strlen (labels[i]);

      if (len == 0 || len > 63 || labels[i][0] == '-' || labels[i][len - 1] == '-')
        return FALSE;
      for (gsize j = 0; j < len; j++)
        if (!g_ascii_isalnum (labels[i][j]) && labels[i][j] != '-')
          return FALSE;
    }
  return TRUE;
}

gboolean
hg_cloud_init_check (const HgCloudInitParams  *p,
                     GError                  **error)
{
  if (!user_is_valid (p->user))
    {
      g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_USER,
                   _("User: “%s” is not a user name cloud-init can create (a–z, 0–9, _ and -, "
                     "starting with a letter, at most 32; not root)"), p->user != NULL ? p->user : "");
      return FALSE;
    }
  if (!hostname_is_valid (p->hostname))
    {
      g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_HOSTNAME,
                   _("Host name: “%s” is not a host name (letters, digits and -, dot-separated)"),
                   p->hostname != NULL ? p->hostname : "");
      return FALSE;
    }
  if (p->password_hash == NULL && p->ssh_keys == NULL)
    {
      g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_NO_LOGIN,
                   _("The user needs a password or an SSH key to log in"));
      return FALSE;
    }
  return TRUE;
}

/* A YAML double-quoted scalar */
static void
append_quoted (GString    *out,
               const char *text)
{
  g_string_append_c (out, '"');
  for (const char *c = text; *c != '\0'; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_c (out, '\\');
      if ((guchar) *c < 0x20)
        g_string_append_printf (out, "\\x%02x", (guchar) *c);
      else
        g_string_append_c (out, *c);
    }
  g_string_append_c (out, '"');
}

char *
hg_cloud_init_user_data (const HgCloudInitParams *p)
{
  GString *out = g_string_new ("#cloud-config\n");

  g_string_append (out, "hostname: ");
  append_quoted (out, p->hostname);
  g_string_append (out, "\npreserve_hostname: false\nusers:\n  - name: ");
  append_quoted (out, p->user);
  g_string_append (out, "\n    shell: /bin/bash\n    groups: [sudo, adm]\n");
  if (p->password_hash != NULL)
    {
      g_string_append (out, "    sudo: \"ALL=(ALL) ALL\"\n    lock_passwd: false\n    passwd: ");
      append_quoted (out, p->password_hash);
      g_string_append_c (out, '\n');
    }
  else
    g_string_append (out, "    sudo: \"ALL=(ALL) NOPASSWD:ALL\"\n    lock_passwd: true\n");
  if (p->ssh_keys != NULL)
    {
      g_auto(GStrv) keys = g_strsplit (p->ssh_keys, "\n", -1);

      g_string_append (out, "    ssh_authorized_keys:\n");
      for (guint i = 0; keys[i] != NULL; i++)
        if (*keys[i] != '\0')
          {
            g_string_append (out, "      - ");
            append_quoted (out, keys[i]);
            g_string_append_c (out, '\n');
          }
    }
  g_string_append_printf (out, "ssh_pwauth: %s\n", p->password_hash != NULL ? "true" : "false");
  return g_string_free (out, FALSE);
}

char *
hg_cloud_init_meta_data (const HgCloudInitParams *p)
{
  GString *out = g_string_new ("instance-id: ");

  append_quoted (out, p->instance_id);
  g_string_append (out, "\nlocal-hostname: ");
  append_quoted (out, p->hostname);
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

gboolean
hg_cloud_init_write_seed (const HgCloudInitParams  *params,
                          const char               *iso_path,
                          GError                  **error)
{
  g_autofree char *xorriso = hg_install_find_xorriso ();
  g_autofree char *dir = NULL;
  g_autofree char *user_data = NULL, *meta_data = NULL;
  g_autofree char *ud_path = NULL, *md_path = NULL;
  g_autofree char *ud_graft = NULL, *md_graft = NULL;
  g_autofree char *output = NULL;
  g_autofree char *parent = g_path_get_dirname (iso_path);
  int status = -1;
  gboolean ok;

  if (!hg_cloud_init_check (params, error))
    return FALSE;
  if (xorriso == NULL)
    {
      g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_FAILED,
                   _("The cloud-init seed needs xorriso (Debian package xorriso)"));
      return FALSE;
    }
  dir = g_build_filename (parent, ".seed-XXXXXX", NULL);
  if (g_mkdtemp_full (dir, 0700) == NULL)
    {
      int errsv = errno;
      g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_FAILED,
                   _("Cannot create a folder in %s: %s"), parent, g_strerror (errsv));
      return FALSE;
    }
  user_data = hg_cloud_init_user_data (params);
  meta_data = hg_cloud_init_meta_data (params);
  ud_path = g_build_filename (dir, "user-data", NULL);
  md_path = g_build_filename (dir, "meta-data", NULL);
  ud_graft = g_strdup_printf ("/user-data=%s", ud_path);
  md_graft = g_strdup_printf ("/meta-data=%s", md_path);
  ok = g_file_set_contents_full (ud_path, user_data, -1, G_FILE_SET_CONTENTS_NONE, 0600, error) &&
       g_file_set_contents_full (md_path, meta_data, -1, G_FILE_SET_CONTENTS_NONE, 0600, error);
  if (ok)
    {
      const char *argv[] = { xorriso, "-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r",
                             "-graft-points", "-o", iso_path, ud_graft, md_graft, NULL };

      ok = hg_spawn_work_run (argv, NULL, 60 * 1000, &output, &status) && status == 0;
      if (!ok)
        {
          g_unlink (iso_path);
          g_set_error (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_FAILED,
                       _("Cannot build the cloud-init seed %s (xorriso): %s"), iso_path,
                       output != NULL && *output != '\0' ? g_strstrip (output) : _("no output"));
        }
      else
        g_chmod (iso_path, 0644);
    }
  g_unlink (ud_path);
  g_unlink (md_path);
  g_rmdir (dir);
  return ok;
}

char *
hg_cloud_image_detect_os (const char *image_path)
{
  const HgOsinfoBackend *backend = _hg_osinfo_get_backend (NULL);
  g_autofree char *name = g_path_get_basename (image_path);

  return backend != NULL ? backend->identify_image (name, NULL) : NULL;
}

/* ---- the creation step ------------------------------------------------------ */

typedef struct {
  char     *user;
  char     *hash;
  char     *ssh_keys;
  char     *hostname;
  char     *image;       /* absolute */
  gboolean  overlay;
  guint64   size;        /* 0: the image's */
} CloudSetup;

static void
cloud_setup_free (gpointer data)
{
  CloudSetup *c = data;

  g_free (c->user);
  g_free (c->hash);
  g_free (c->ssh_keys);
  g_free (c->hostname);
  g_free (c->image);
  g_free (c);
}

/* Worker thread, in the VM's folder to be: the overlay and the seed */
static gboolean
cloud_hook (HgVmSpec      *spec,
            HgVmConfig    *config,
            const char    *tmp_dir,
            gpointer       user_data,
            GCancellable  *cancellable,
            GError       **error)
{
  CloudSetup *c = user_data;
  g_autofree char *seed_name = g_strconcat (config->label, "-seed.iso", NULL);
  g_autofree char *seed = g_build_filename (tmp_dir, seed_name, NULL);
  g_autofree char *instance_id = g_strconcat ("iid-", config->uuid, NULL);
  HgCloudInitParams params = {
    .user = c->user, .password_hash = c->hash, .ssh_keys = c->ssh_keys,
    .hostname = c->hostname, .instance_id = instance_id,
  };
  HgDisk *disk;

  (void) spec;
  (void) cancellable;
  g_return_val_if_fail (config->disks->len > 0, FALSE);
  disk = config->disks->pdata[0];

  if (c->overlay)
    {
      g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
      g_autofree char *name = g_strconcat (config->label, ".qcow2", NULL);
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
      g_autofree char *output = NULL;
      /* the format qemu-img found when the spec checked the image */
      g_autofree char *format = g_strdup (disk->format);
      int status = -1;

      /* a raw backing file could be any file of the host: QEMU would
       * never check its header (docs/config.md, allow-backing) */
      if (format == NULL || g_str_equal (format, "raw"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("--cloud-image %s is a raw image, which cannot be an overlay's backing "
                         "file: use --copy"), c->image);
          return FALSE;
        }
      {
        g_autofree char *size = c->size > 0 ? g_strdup_printf ("%" G_GUINT64_FORMAT, c->size) : NULL;
        const char *argv[] = { qemu_img, "create", "-q", "-f", "qcow2", "-F", format,
                               "-b", c->image, path, size, NULL };

        if (qemu_img == NULL || !hg_spawn_work_run (argv, NULL, 60 * 1000, &output, &status) ||
            status != 0)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         _("Cannot create the overlay of %s: %s"), c->image,
                         output != NULL && *output != '\0' ? g_strstrip (output)
                                                           : _("qemu-img is not installed"));
            return FALSE;
          }
      }
      g_free (disk->path);
      g_free (disk->format);
      g_strfreev (disk->allow_backing);
      disk->path = g_steal_pointer (&name);
      disk->format = g_strdup ("qcow2");
      disk->allow_backing = g_new0 (char *, 2);
      disk->allow_backing[0] = g_strdup (c->image);
    }
  else if (c->size > 0)
    {
      /* the copy grows */
      g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
      g_autofree char *path = g_build_filename (tmp_dir, disk->path, NULL);
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, c->size);
      g_autofree char *output = NULL;
      int status = -1;
      const char *argv[] = { qemu_img, "resize", "-q", "-f", disk->format, path, size, NULL };

      if (qemu_img == NULL || !hg_spawn_work_run (argv, NULL, 60 * 1000, &output, &status) ||
          status != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot grow the copy of %s: %s"),
                       c->image, output != NULL && *output != '\0' ? g_strstrip (output)
                                                                   : _("qemu-img is not installed"));
          return FALSE;
        }
    }
  if (g_file_test (seed, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("The cloud-init seed %s would replace a file of the VM"), seed_name);
      return FALSE;
    }
  if (!hg_cloud_init_write_seed (&params, seed, error))
    return FALSE;
  g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_CDROM, seed_name));
  config->boot_mode = HG_BOOT_DISK;
  return TRUE;
}

void
hg_cloud_init_set_spec_hook (HgVmSpec                *spec,
                             const HgCloudInitParams *params,
                             const char              *image,
                             gboolean                 overlay,
                             guint64                  size)
{
  CloudSetup *c = g_new0 (CloudSetup, 1);

  g_return_if_fail (HG_IS_VM_SPEC (spec) && params != NULL && image != NULL);

  c->user = g_strdup (params->user);
  c->hash = g_strdup (params->password_hash);
  c->ssh_keys = g_strdup (params->ssh_keys);
  c->hostname = g_strdup (params->hostname);
  c->image = g_strdup (image);
  c->overlay = overlay;
  c->size = size;
  hg_vm_spec_set_create_hook (spec, cloud_hook, c, cloud_setup_free);
}
