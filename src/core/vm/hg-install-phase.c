/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-install"
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-install-phase.h"
#include "hg-runtime.h"

#define GROUP "install"

char *
hg_install_phase_media_dir (const char *uuid)
{
  g_autofree char *root = hg_runtime_root ();

  g_return_val_if_fail (uuid != NULL && g_uuid_string_is_valid (uuid), NULL);
  return g_build_filename (root, "install", uuid, NULL);
}

/* The media folder: only ever the one of the config's uuid, checked (no
 * symlink, ours); regular files in it removed, then it */
void
hg_install_phase_remove_media (const char *uuid)
{
  g_autofree char *dir = uuid != NULL && g_uuid_string_is_valid (uuid)
                           ? hg_install_phase_media_dir (uuid) : NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (dir == NULL || !hg_runtime_check_path_safe (dir, TRUE, NULL))
    return;
  d = g_dir_open (dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (hg_runtime_check_path_safe (path, FALSE, NULL))
        g_unlink (path);
    }
  g_rmdir (dir);
}

gboolean
hg_install_phase_begin (HgVmConfig       *config,
                        HgInstallScript  *script,
                        const char       *iso_path,
                        const char       *extra_append,
                        GError          **error)
{
  g_autofree char *root = hg_runtime_root ();
  g_autofree char *parent = g_build_filename (root, "install", NULL);
  g_autofree char *dir = hg_install_phase_media_dir (config->uuid);
  g_autoptr(HgInstallMedia) media = NULL;
  GKeyFile *kf;

  if (!hg_runtime_ensure_dir (root, error) || !hg_runtime_ensure_dir (parent, error))
    return FALSE;
  if (!hg_runtime_check_path_safe (dir, TRUE, error))
    return FALSE;
  hg_install_phase_remove_media (config->uuid);
  media = hg_install_script_write_media (script, iso_path, dir, extra_append, error);
  if (media == NULL)
    {
      hg_install_phase_remove_media (config->uuid);
      return FALSE;
    }
  kf = hg_vm_config_get_keyfile (config);
  /* a new config's file starts with [machine], not with this group */
  if (!g_key_file_has_group (kf, "machine"))
    g_key_file_set_string (kf, "machine", "label", config->label);
  g_key_file_set_string (kf, GROUP, "express", script->injection);
  g_key_file_set_string (kf, GROUP, "media", dir);
  g_key_file_set_comment (kf, GROUP, NULL,
                          " express install: removed by Hangar when the installer is done", NULL);
  if (media->kernel != NULL)
    {
      g_free (config->kernel);
      g_free (config->initrd);
      g_free (config->append);
      config->kernel = g_strdup (media->kernel);
      config->initrd = g_strdup (media->initrd);
      config->append = g_strdup (media->append);
      config->boot_mode = HG_BOOT_KERNEL;
    }
  if (media->cdrom != NULL)
    {
      g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_CDROM, media->cdrom));
      config->boot_mode = HG_BOOT_CDROM;
    }
  return TRUE;
}

static gboolean
path_in (const char *path,
         const char *dir)
{
  g_autofree char *prefix = g_strconcat (dir, G_DIR_SEPARATOR_S, NULL);

  return path != NULL && g_str_has_prefix (path, prefix);
}

gboolean
hg_install_phase_complete (HgVmConfig  *config,
                           GError     **error)
{
  g_autofree char *dir = NULL;
  GKeyFile *kf;
  gboolean first_cd = TRUE;

  if (!hg_install_phase_active (config))
    return TRUE;
  dir = hg_install_phase_media_dir (config->uuid);
  kf = hg_vm_config_get_keyfile (config);

  /* the installer's kernel (from the media folder), the ISO, the answer CD */
  if (path_in (config->kernel, dir))
    {
      g_clear_pointer (&config->kernel, g_free);
      g_clear_pointer (&config->initrd, g_free);
      g_clear_pointer (&config->append, g_free);
    }
  for (guint i = config->media->len; i > 0; i--)
    {
      HgMedium *medium = g_ptr_array_index (config->media, i - 1);

      if (medium->kind == HG_MEDIUM_CDROM && path_in (medium->path, dir))
        g_ptr_array_remove_index (config->media, i - 1);
    }
  for (guint i = 0; i < config->media->len; i++)
    {
      HgMedium *medium = g_ptr_array_index (config->media, i);

      /* the installer ISO: the drive stays, empty */
      if (medium->kind == HG_MEDIUM_CDROM && first_cd)
        {
          g_clear_pointer (&medium->path, g_free);
          first_cd = FALSE;
        }
    }
  config->boot_mode = HG_BOOT_DISK;
  g_key_file_remove_group (kf, GROUP, NULL);
  if (!hg_vm_config_save (config, error))
    return FALSE;
  hg_install_phase_remove_media (config->uuid);
  return TRUE;
}

/* ---- the creation step ------------------------------------------------------ */

typedef struct {
  HgInstallScript *script;
  char            *iso;
  char            *append;
  char           **uuid_out;   /* the caller's, or NULL */
} ExpressSetup;

static void
express_setup_free (gpointer data)
{
  ExpressSetup *e = data;

  hg_install_script_free (e->script);
  g_free (e->iso);
  g_free (e->append);
  g_free (e);
}

static gboolean
express_hook (HgVmSpec      *spec,
              HgVmConfig    *config,
              const char    *tmp_dir,
              gpointer       user_data,
              GCancellable  *cancellable,
              GError       **error)
{
  ExpressSetup *e = user_data;

  (void) spec;
  (void) tmp_dir;
  (void) cancellable;
  /* the caller reads it only after the creation finished */
  if (e->uuid_out != NULL)
    {
      g_free (*e->uuid_out);
      *e->uuid_out = g_strdup (config->uuid);
    }
  return hg_install_phase_begin (config, e->script, e->iso, e->append, error);
}

void
hg_install_phase_set_spec_hook (HgVmSpec         *spec,
                                HgInstallScript  *script,
                                const char       *iso_path,
                                const char       *extra_append,
                                char            **uuid_out)
{
  ExpressSetup *e = g_new0 (ExpressSetup, 1);

  g_return_if_fail (HG_IS_VM_SPEC (spec) && script != NULL && iso_path != NULL);

  e->script = script;
  e->iso = g_strdup (iso_path);
  e->append = g_strdup (extra_append);
  e->uuid_out = uuid_out;
  hg_vm_spec_set_create_hook (spec, express_hook, e, express_setup_free);
}
