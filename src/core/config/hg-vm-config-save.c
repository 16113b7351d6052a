/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-config"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "hg-temp.h"
#include "hg-vm-config.h"
#include "hg-vm-config-private.h"

/* Saving a config into its retained key file, then atomically to disk. */

static const char *const disk_keys[] = { "path", "format", "interface", "allow-backing", NULL };
static const char *const medium_keys[] = { "path", "format", NULL };
static const char *const share_keys[] = { "path", "tag", "readonly", "transport", NULL };
static const char *const net_keys[] = {
  "mode", "switch", "tap", "mac", "model", "vdeq", "hostfwd", "tftp", "bootfile", NULL
};

static void
set_opt (GKeyFile   *kf,
         const char *group,
         const char *key,
         const char *value)
{
  if (value != NULL && *value != '\0')
    g_key_file_set_string (kf, group, key, value);
  else
    g_key_file_remove_key (kf, group, key, NULL);
}

static void
set_uint (GKeyFile   *kf,
          const char *group,
          const char *key,
          guint       value)
{
  g_autofree char *str = g_strdup_printf ("%u", value);

  g_key_file_set_value (kf, group, key, str);
}

static void
write_disk (GKeyFile   *kf,
            const char *group,
            gpointer    elem)
{
  HgDisk *disk = elem;

  g_key_file_set_string (kf, group, "path", disk->path != NULL ? disk->path : "");
  set_opt (kf, group, "format", disk->format);
  set_opt (kf, group, "interface", disk->interface);
  if (disk->allow_backing != NULL && disk->allow_backing[0] != NULL)
    g_key_file_set_string_list (kf, group, "allow-backing",
                                (const char * const *) disk->allow_backing,
                                g_strv_length (disk->allow_backing));
  else
    g_key_file_remove_key (kf, group, "allow-backing", NULL);
}

static void
write_medium (GKeyFile   *kf,
              const char *group,
              gpointer    elem)
{
  HgMedium *medium = elem;

  const char *format = medium->format != NULL ? medium->format : "raw";
  gboolean is_new = !g_key_file_has_group (kf, group);

  set_opt (kf, group, "path", medium->path);
  /* raw is the default: not added to a hand-written group that omits it */
  if (is_new || strcmp (format, "raw") != 0 || g_key_file_has_key (kf, group, "format", NULL))
    g_key_file_set_string (kf, group, "format", format);
}

static void
write_nic (GKeyFile   *kf,
           const char *group,
           gpointer    elem)
{
  HgNic *nic = elem;
  const char *mode = hg_net_mode_to_string (nic->mode);

  g_key_file_set_string (kf, group, "mode", mode != NULL ? mode : "none");
  set_opt (kf, group, "switch", nic->switch_name);
  set_opt (kf, group, "tap", nic->tap);
  set_opt (kf, group, "mac", nic->mac);
  set_opt (kf, group, "model", nic->model);
  if (nic->vdeq || nic->mode == HG_NET_VDE)
    g_key_file_set_boolean (kf, group, "vdeq", nic->vdeq);
  else
    g_key_file_remove_key (kf, group, "vdeq", NULL);

  if (nic->hostfwd != NULL && nic->hostfwd->len > 0)
    {
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < nic->hostfwd->len; i++)
        {
          HgHostFwd *fwd = g_ptr_array_index (nic->hostfwd, i);

          g_ptr_array_add (items, hg_host_fwd_to_string (fwd));
        }
      g_key_file_set_string_list (kf, group, "hostfwd",
                                  (const char * const *) items->pdata, items->len);
    }
  else
    g_key_file_remove_key (kf, group, "hostfwd", NULL);

  set_opt (kf, group, "tftp", nic->tftp);
  set_opt (kf, group, "bootfile", nic->bootfile);
}

static void
write_share (GKeyFile   *kf,
             const char *group,
             gpointer    elem)
{
  HgShare *share = elem;
  const char *transport = hg_share_transport_to_string (share->transport);

  g_key_file_set_string (kf, group, "path", share->path != NULL ? share->path : "");
  set_opt (kf, group, "tag", share->tag);
  /* defaults only where the group had the key already */
  if (share->readonly || g_key_file_has_key (kf, group, "readonly", NULL))
    g_key_file_set_boolean (kf, group, "readonly", share->readonly);
  if (share->transport != HG_SHARE_AUTO || g_key_file_has_key (kf, group, "transport", NULL))
    g_key_file_set_string (kf, group, "transport", transport != NULL ? transport : "auto");
}

typedef struct {
  char      *comment;   /* of the group */
  GPtrArray *keys;      /* every key */
  GPtrArray *values;    /* raw value of an unknown key, NULL for known ones */
  GPtrArray *comments;  /* comment above each key */
} GroupSnapshot;

static void
group_snapshot_free (GroupSnapshot *snap)
{
  if (snap == NULL)
    return;
  g_free (snap->comment);
  g_ptr_array_unref (snap->keys);
  g_ptr_array_unref (snap->values);
  g_ptr_array_unref (snap->comments);
  g_free (snap);
}

static GroupSnapshot *
group_snapshot_take (GKeyFile          *kf,
                     const char        *group,
                     const char *const *known)
{
  GroupSnapshot *snap = g_new0 (GroupSnapshot, 1);
  g_auto(GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);

  snap->comment = g_key_file_get_comment (kf, group, NULL, NULL);
  snap->keys = g_ptr_array_new_with_free_func (g_free);
  snap->values = g_ptr_array_new_with_free_func (g_free);
  snap->comments = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_ptr_array_add (snap->keys, g_strdup (keys[i]));
      g_ptr_array_add (snap->values, _hg_config_strv_has (known, keys[i]) ? NULL :
                                     g_key_file_get_value (kf, group, keys[i], NULL));
      g_ptr_array_add (snap->comments, g_key_file_get_comment (kf, group, keys[i], NULL));
    }
  return snap;
}

static void
group_snapshot_restore (GroupSnapshot *snap,
                        GKeyFile      *kf,
                        const char    *group)
{
  for (guint i = 0; i < snap->keys->len; i++)
    {
      const char *key = g_ptr_array_index (snap->keys, i);
      const char *value = g_ptr_array_index (snap->values, i);
      const char *comment = g_ptr_array_index (snap->comments, i);

      /* known keys were written already (or are gone: then so is their comment) */
      if (value != NULL)
        g_key_file_set_value (kf, group, key, value);
      if (comment != NULL && *comment != '\0' && g_key_file_has_key (kf, group, key, NULL))
        g_key_file_set_comment (kf, group, key, comment, NULL);
    }
  if (snap->comment != NULL && *snap->comment != '\0')
    g_key_file_set_comment (kf, group, NULL, snap->comment, NULL);
}

typedef void (*WriteFunc) (GKeyFile *kf, const char *group, gpointer elem);

/* Writes the elements of one kind as [prefix:0] .. [prefix:n-1]. */
static void
write_indexed (GKeyFile           *kf,
               HgConfigIndexedKind kind,
               GPtrArray          *elems,
               char **           (*group_field) (gpointer elem),
               const char *const  *known,
               WriteFunc           write)
{
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);
  g_autoptr(GPtrArray) existing = g_ptr_array_new ();
  gboolean in_place = TRUE;

  for (guint g = 0; groups[g] != NULL; g++)
    {
      HgConfigIndexedKind k;
      guint index;
      gboolean canonical;

      if (_hg_config_parse_indexed_group (groups[g], &k, &index, &canonical) && k == kind)
        g_ptr_array_add (existing, groups[g]);
    }

  for (guint i = 0; i < elems->len && in_place; i++)
    {
      g_autofree char *want = g_strdup_printf ("%s:%u", _hg_config_kind_prefix[kind], i);
      char *group = *group_field (g_ptr_array_index (elems, i));

      if (group != NULL ? strcmp (group, want) != 0 : g_key_file_has_group (kf, want))
        in_place = FALSE;
    }

  if (in_place)
    {
      /* Same groups in the same order: update them where they are. */
      for (guint i = 0; i < existing->len; i++)
        {
          HgConfigIndexedKind k;
          guint index;
          gboolean canonical;

          _hg_config_parse_indexed_group (g_ptr_array_index (existing, i), &k, &index, &canonical);
          if (!canonical || index >= elems->len)
            g_key_file_remove_group (kf, g_ptr_array_index (existing, i), NULL);
        }
      for (guint i = 0; i < elems->len; i++)
        {
          gpointer elem = g_ptr_array_index (elems, i);
          g_autofree char *want = g_strdup_printf ("%s:%u", _hg_config_kind_prefix[kind], i);

          write (kf, want, elem);
          g_free (*group_field (elem));
          *group_field (elem) = g_steal_pointer (&want);
        }
      return;
    }

  /* Renumber: keep each element's unknown keys and comments, drop the
   * groups of removed elements. */
  {
    g_autoptr(GPtrArray) snaps = g_ptr_array_new_with_free_func ((GDestroyNotify) group_snapshot_free);
    g_autoptr(GHashTable) claimed = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint i = 0; i < elems->len; i++)
      {
        const char *group = *group_field (g_ptr_array_index (elems, i));
        GroupSnapshot *snap = NULL;

        if (group != NULL && g_key_file_has_group (kf, group) &&
            g_hash_table_add (claimed, (gpointer) group))
          snap = group_snapshot_take (kf, group, known);
        g_ptr_array_add (snaps, snap);
      }
    for (guint i = 0; i < existing->len; i++)
      g_key_file_remove_group (kf, g_ptr_array_index (existing, i), NULL);
    for (guint i = 0; i < elems->len; i++)
      {
        gpointer elem = g_ptr_array_index (elems, i);
        g_autofree char *want = g_strdup_printf ("%s:%u", _hg_config_kind_prefix[kind], i);
        GroupSnapshot *snap = g_ptr_array_index (snaps, i);

        write (kf, want, elem);
        if (snap != NULL)
          group_snapshot_restore (snap, kf, want);
        g_free (*group_field (elem));
        *group_field (elem) = g_steal_pointer (&want);
      }
  }
}

static char **
disk_group_field (gpointer elem)
{
  return &((HgDisk *) elem)->group;
}

static char **
medium_group_field (gpointer elem)
{
  return &((HgMedium *) elem)->group;
}

static char **
nic_group_field (gpointer elem)
{
  return &((HgNic *) elem)->group;
}

static char **
share_group_field (gpointer elem)
{
  return &((HgShare *) elem)->group;
}

char *
hg_vm_config_to_data (HgVmConfig *self,
                      gsize      *length)
{
  GKeyFile *kf;
  const char *str;

  g_return_val_if_fail (self != NULL, NULL);

  kf = hg_vm_config_get_keyfile (self);

  set_opt (kf, "machine", "label", self->label);
  set_opt (kf, "machine", "uuid", self->uuid);
  set_opt (kf, "machine", "arch", self->arch);
  set_opt (kf, "machine", "machine", self->machine);
  set_opt (kf, "machine", "cpu", self->cpu_model);
  str = hg_accel_to_string (self->accel);
  g_key_file_set_string (kf, "machine", "accel", str != NULL ? str : "auto");
  set_uint (kf, "machine", "memory", self->memory_mib);
  set_uint (kf, "machine", "cpus", self->cpus);
  set_opt (kf, "machine", "vga", self->vga);
  /* defaults are written only where the file had the key already */
  if (self->firmware != HG_FIRMWARE_BIOS || g_key_file_has_key (kf, "machine", "firmware", NULL))
    g_key_file_set_string (kf, "machine", "firmware", hg_firmware_kind_to_string (self->firmware));
  if (self->tpm || g_key_file_has_key (kf, "machine", "tpm", NULL))
    g_key_file_set_boolean (kf, "machine", "tpm", self->tpm);

  set_opt (kf, "guest", "os-id", self->os_id);
  set_opt (kf, "guest", "name", self->os_name);
  set_opt (kf, "guest", "version", self->os_version);
  set_opt (kf, "guest", "family", self->os_family);

  write_indexed (kf, KIND_DISK, self->disks, disk_group_field, disk_keys, write_disk);
  for (guint k = HG_MEDIUM_CDROM; k <= HG_MEDIUM_USB; k++)
    {
      g_autoptr(GPtrArray) of_kind = g_ptr_array_new ();

      for (guint i = 0; i < self->media->len; i++)
        {
          HgMedium *medium = g_ptr_array_index (self->media, i);

          if (medium->kind == k)
            g_ptr_array_add (of_kind, medium);
        }
      write_indexed (kf, KIND_CDROM + k, of_kind, medium_group_field, medium_keys, write_medium);
    }

  str = hg_boot_mode_to_string (self->boot_mode);
  g_key_file_set_string (kf, "boot", "mode", str != NULL ? str : "disk");
  set_opt (kf, "boot", "kernel", self->kernel);
  set_opt (kf, "boot", "initrd", self->initrd);
  set_opt (kf, "boot", "append", self->append);
  set_opt (kf, "boot", "dtb", self->dtb);

  write_indexed (kf, KIND_NET, self->nics, nic_group_field, net_keys, write_nic);
  if (self->shares != NULL)
    write_indexed (kf, KIND_SHARE, self->shares, share_group_field, share_keys, write_share);

  str = hg_console_to_string (self->console);
  g_key_file_set_string (kf, "display", "console", str != NULL ? str : "vnc");
  set_opt (kf, "display", "keymap", self->keymap);

  g_key_file_set_boolean (kf, "serial", "enabled", self->serial);

  return g_key_file_to_data (kf, length, NULL);
}

/* The file is written as .<name>.tmp-saving beside it, locked while it is
 * written (hg-temp.h: a kill leaves it for the next library scan, which
 * removes it), fsynced, then renamed over the old one: a reader sees the old
 * bytes or the new ones, never a mix. */
static gboolean
write_atomically (const char  *path,
                  const char  *data,
                  gsize        length,
                  int          mode,
                  GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = NULL;
  int errsv = 0;
  int dfd;
  int fd;

  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    {
      errsv = errno;
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                   _("%s: cannot save: %s"), path, g_strerror (errsv));
      return FALSE;
    }
  fd = hg_temp_file_open_locked (dfd, base, mode, &tmp);
  if (fd < 0)
    {
      errsv = errno;
      close (dfd);
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                   _("%s: cannot save: cannot create a temporary file in %s: %s"), path, dir,
                   g_strerror (errsv));
      return FALSE;
    }
  if (!hg_temp_write_all (fd, data, length))
    errsv = errno;
  if (errsv == 0 && fsync (fd) != 0)
    errsv = errno;
  if (errsv == 0 && renameat (dfd, tmp, dfd, base) != 0)
    errsv = errno;
  if (errsv != 0)
    unlinkat (dfd, tmp, 0);
  else
    fsync (dfd);   /* the rename itself is durable */
  close (fd);      /* the lock goes once the name is gone */
  close (dfd);
  if (errsv != 0)
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                   _("%s: cannot save: %s"), path, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

gboolean
hg_vm_config_save (HgVmConfig  *self,
                   GError     **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->path == NULL)
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                   _("%s: cannot save: the config has no file name yet"),
                   _hg_vm_config_display_name (self));
      return FALSE;
    }
  if (!hg_vm_config_validate (self, error))
    return FALSE;

  data = hg_vm_config_to_data (self, &length);
  if (length > HG_CONFIG_MAX_FILE_SIZE)
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_VALUE,
                   _("%s: cannot save: the file would be larger than 1 MiB"), self->path);
      return FALSE;
    }
  return write_atomically (self->path, data, length, 0644, error);
}
