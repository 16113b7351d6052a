/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-process"
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "hg-disk-image-private.h"
#include "hg-process.h"
#include "hg-spawn.h"
#include "hg-throwaway.h"

#define MARKER "throwaway"
#define PREFIX "throwaway-disk"
#define SUFFIX ".qcow2"

char *
hg_throwaway_overlay_path (const HgRuntimePaths *paths,
                           guint                 disk)
{
  g_autofree char *name = g_strdup_printf (PREFIX "%u" SUFFIX, disk);

  g_return_val_if_fail (paths != NULL, NULL);
  return g_build_filename (paths->dir, name, NULL);
}

static char *
marker_path (const HgRuntimePaths *paths)
{
  return g_build_filename (paths->dir, MARKER, NULL);
}

gboolean
hg_throwaway_is_active (const HgRuntimePaths *paths)
{
  g_autofree char *marker = NULL;

  g_return_val_if_fail (paths != NULL, FALSE);
  marker = marker_path (paths);
  return g_file_test (marker, G_FILE_TEST_IS_REGULAR) &&
         !g_file_test (marker, G_FILE_TEST_IS_SYMLINK);
}

void
hg_throwaway_clean (const HgRuntimePaths *paths)
{
  g_autoptr(GDir) dir = NULL;
  g_autofree char *marker = NULL;
  const char *name;

  g_return_if_fail (paths != NULL);

  /* unlink removes a symlink itself, never what it points to */
  marker = marker_path (paths);
  g_unlink (marker);
  dir = g_dir_open (paths->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, PREFIX) && g_str_has_suffix (name, SUFFIX))
      {
        g_autofree char *path = g_build_filename (paths->dir, name, NULL);

        if (g_unlink (path) != 0 && errno != ENOENT)
          g_warning ("Cannot remove %s: %s", path, g_strerror (errno));
      }
}

gboolean
hg_throwaway_prepare (const HgRuntimePaths *paths,
                      HgVmImages           *images,
                      GError              **error)
{
  g_autofree char *qemu_img = NULL;
  g_autofree char *marker = NULL;

  g_return_val_if_fail (paths != NULL, FALSE);
  g_return_val_if_fail (images != NULL, FALSE);

  hg_throwaway_clean (paths);
  if ((qemu_img = _hg_disk_image_no_tool (error)) == NULL)
    return FALSE;
  images->overlays = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; images->disks != NULL && i < images->disks->len; i++)
    {
      HgDiskImageInfo *chain = g_ptr_array_index (images->disks, i);
      HgDiskImageLayer *top = g_ptr_array_index (chain->layers, 0);
      g_autofree char *overlay = hg_throwaway_overlay_path (paths, i);
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, top->virtual_size);
      g_autofree char *out = NULL;
      int status = -1;
      /* -u: the backing file is not opened (it was checked; QEMU gets it
       * as its own node), so only the overlay is written */
      const char *argv[] = { qemu_img, "create", "-q", "-f", "qcow2", "-u", "-F", top->format,
                             "-b", top->filename, "--", overlay, size, NULL };

      if (!hg_spawn_work_run (argv, NULL, 60000, &out, &status) || status != 0)
        {
          g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                       _("Cannot make the throwaway overlay %s of [disk:%u]: %s"), overlay, i,
                       out != NULL && *out != '\0' ? g_strstrip (out) : _("qemu-img failed"));
          hg_throwaway_clean (paths);
          return FALSE;
        }
      g_ptr_array_add (images->overlays, g_steal_pointer (&overlay));
    }
  marker = marker_path (paths);
  if (!g_file_set_contents_full (marker, "", 0, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    {
      hg_throwaway_clean (paths);
      return FALSE;
    }
  return TRUE;
}
