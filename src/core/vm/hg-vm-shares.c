/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-share"
#include "config.h"

#include <glib/gi18n-lib.h>

#include "hg-vm-shares.h"

/* A VM's shared folders in its config: see hg-vm-shares.h */

static HgShare *
share_copy (const HgShare *share)
{
  HgShare *copy = hg_share_new (share->path, share->tag);

  copy->readonly = share->readonly;
  copy->transport = share->transport;
  return copy;
}

static char *
canonical_of (HgVmConfig    *config,
              const HgShare *share)
{
  return g_canonicalize_filename (share->path, config->dir != NULL ? config->dir : "/");
}

gboolean
hg_vm_shares_add (const char     *config_path,
                  const HgShare  *share,
                  GError        **error)
{
  g_autoptr(HgVmConfig) config = NULL;
  g_autofree char *folder = NULL;
  guint index;

  g_return_val_if_fail (config_path != NULL && share != NULL, FALSE);

  config = hg_vm_config_load (config_path, error);
  if (config == NULL)
    return FALSE;
  index = config->shares->len;
  if (share->tag == NULL || !hg_share_tag_is_valid (share->tag))
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_INVALID,
                   _("Mount tag “%s”: 1–36 of letters, digits, “.”, “_”, “-”, not starting with "
                     "“.” or “-”"), share->tag != NULL ? share->tag : "");
      return FALSE;
    }
  if (share->readonly && share->transport == HG_SHARE_VIRTIOFS)
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_INVALID,
                   _("virtiofs cannot share read-only (QEMU's virtiofsd has no such option): "
                     "a read-only share uses 9p"));
      return FALSE;
    }
  folder = hg_share_check_folder (config, share, index, error);
  if (folder == NULL)
    return FALSE;
  for (guint i = 0; i < config->shares->len; i++)
    {
      HgShare *other = g_ptr_array_index (config->shares, i);
      g_autofree char *other_folder = canonical_of (config, other);

      if (g_strcmp0 (other->tag, share->tag) == 0)
        {
          g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_EXISTS,
                       _("VM '%s' has a share with the mount tag “%s” already ([%s], %s): "
                         "choose another tag"), config->label, share->tag, other->group,
                       other->path);
          return FALSE;
        }
      if (g_str_equal (other_folder, folder))
        {
          g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_EXISTS,
                       _("VM '%s' shares the folder %s already ([%s], tag “%s”)"),
                       config->label, folder, other->group, other->tag);
          return FALSE;
        }
    }
  {
    HgShare *copy = share_copy (share);

    /* what was checked is what is written: absolute and canonical */
    g_free (copy->path);
    copy->path = g_steal_pointer (&folder);
    g_ptr_array_add (config->shares, copy);
  }
  return hg_vm_config_save (config, error);
}

gboolean
hg_vm_shares_remove (const char  *config_path,
                     const char  *what,
                     HgShare    **out_removed,
                     GError     **error)
{
  g_autoptr(HgVmConfig) config = NULL;
  g_autofree char *wanted_folder = NULL;
  gint found = -1;

  g_return_val_if_fail (config_path != NULL && what != NULL, FALSE);

  config = hg_vm_config_load (config_path, error);
  if (config == NULL)
    return FALSE;
  wanted_folder = g_canonicalize_filename (what, NULL);
  for (guint i = 0; i < config->shares->len && found < 0; i++)
    if (g_strcmp0 (((HgShare *) g_ptr_array_index (config->shares, i))->tag, what) == 0)
      found = (gint) i;
  for (guint i = 0; i < config->shares->len && found < 0; i++)
    {
      HgShare *share = g_ptr_array_index (config->shares, i);
      g_autofree char *folder = canonical_of (config, share);

      if (g_str_equal (share->path, what) || g_str_equal (folder, wanted_folder))
        found = (gint) i;
    }
  if (found < 0)
    {
      g_set_error (error, HG_SHARE_ERROR, HG_SHARE_ERROR_NOT_FOUND,
                   _("VM '%s' has no share with the tag or folder “%s”"), config->label, what);
      return FALSE;
    }
  if (out_removed != NULL)
    *out_removed = share_copy (g_ptr_array_index (config->shares, found));
  g_ptr_array_remove_index (config->shares, found);
  if (!hg_vm_config_save (config, error))
    {
      if (out_removed != NULL)
        g_clear_pointer (out_removed, hg_share_free);
      return FALSE;
    }
  return TRUE;
}
