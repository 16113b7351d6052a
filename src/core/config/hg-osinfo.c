/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-osinfo"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gmodule.h>

#include "hg-disk-image.h"
#include "hg-osinfo.h"
#include "hg-osinfo-backend.h"

/*
 * OS data from libosinfo, through the module hangar-osinfo.so
 * (hg-osinfo-backend.c), loaded on first use: most runs of Hangar and
 * hangarctl never ask, and libosinfo with what it links costs ~2.5 MB.
 *
 * The module is looked for in $HANGAR_OSINFO_MODULE_DIR, then where
 * `meson install` puts it (HG_OSINFO_MODULE_DIR), then in the build tree
 * (HG_BUILD_OSINFO_MODULE_DIR, uninstalled runs and the tests).
 */

G_DEFINE_QUARK (hg-osinfo-error-quark, hg_osinfo_error)
G_DEFINE_BOXED_TYPE (HgOsInfo, hg_os_info, hg_os_info_ref, hg_os_info_unref)

HgOsInfo *
hg_os_info_ref (HgOsInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  g_atomic_int_inc (&info->ref_count);
  return info;
}

void
hg_os_info_unref (HgOsInfo *info)
{
  if (info == NULL || !g_atomic_int_dec_and_test (&info->ref_count))
    return;
  g_free (info->id);
  g_free (info->uri);
  g_free (info->name);
  g_free (info->version);
  g_free (info->vendor);
  g_free (info->family);
  g_free (info->distro);
  g_free (info->arch);
  g_free (info->volume_id);
  g_free (info->disk_bus);
  g_free (info->nic_model);
  g_free (info->release_date);
  g_free (info->eol_date);
  g_free (info);
}

static const HgOsinfoBackend *
load_backend (GError **error)
{
  static GMutex lock;
  static const HgOsinfoBackend *loaded;
  static char *load_error;
  const HgOsinfoBackend *result;

  g_mutex_lock (&lock);
  if (loaded == NULL && load_error == NULL)
    {
      const char *dirs[] = { g_getenv ("HANGAR_OSINFO_MODULE_DIR"), HG_OSINFO_MODULE_DIR,
                             HG_BUILD_OSINFO_MODULE_DIR };
      g_autoptr(GString) tried = g_string_new (NULL);

      for (guint i = 0; loaded == NULL && i < G_N_ELEMENTS (dirs); i++)
        {
          g_autofree char *path = NULL;
          GModule *module;
          const HgOsinfoBackend *(*get) (void) = NULL;

          if (dirs[i] == NULL || dirs[i][0] == '\0')
            continue;
          path = g_build_filename (dirs[i], HG_OSINFO_MODULE_NAME, NULL);
          if (!g_file_test (path, G_FILE_TEST_EXISTS))
            {
              g_string_append_printf (tried, "%s%s", tried->len > 0 ? ", " : "", path);
              continue;
            }
          module = g_module_open (path, G_MODULE_BIND_LOCAL);
          if (module == NULL)
            {
              load_error = g_strdup (g_module_error ());
              break;
            }
          if (!g_module_symbol (module, "hg_osinfo_backend", (gpointer *) &get) || get == NULL ||
              get ()->abi != HG_OSINFO_BACKEND_ABI)
            {
              load_error = g_strdup_printf (_("%s is not this version’s OS data module"), path);
              g_module_close (module);
              break;
            }
          /* libosinfo registers GTypes: the module stays */
          g_module_make_resident (module);
          loaded = get ();
        }
      if (loaded == NULL && load_error == NULL)
        load_error = g_strdup_printf (_("the OS data module is not installed (looked for %s)"),
                                      tried->str);
    }
  result = loaded;
  if (result == NULL)
    g_set_error (error, HG_OSINFO_ERROR, HG_OSINFO_ERROR_NO_DATABASE,
                 _("Cannot load the operating system database: %s"), load_error);
  g_mutex_unlock (&lock);
  return result;
}

const HgOsinfoBackend *
_hg_osinfo_get_backend (GError **error)
{
  return load_backend (error);
}

gboolean
hg_osinfo_init (GError **error)
{
  const HgOsinfoBackend *backend = load_backend (error);

  return backend != NULL && backend->init (error);
}

HgOsInfo *
hg_osinfo_detect_iso (const char    *path,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GError) local = NULL;
  const HgOsinfoBackend *backend;

  g_return_val_if_fail (path != NULL, NULL);

  if (!hg_iso_check (path, &local))
    {
      g_set_error (error, HG_OSINFO_ERROR, HG_OSINFO_ERROR_NOT_MEDIA, "%s", local->message);
      return NULL;
    }
  backend = load_backend (error);
  return backend != NULL ? backend->detect_iso (path, cancellable, error) : NULL;
}

static void
detect_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  HgOsInfo *info = hg_osinfo_detect_iso (task_data, cancellable, &error);

  (void) source;
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) hg_os_info_unref);
}

void
hg_osinfo_detect_iso_async (const char          *path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (path != NULL);
  g_task_set_source_tag (task, hg_osinfo_detect_iso_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, detect_thread);
}

HgOsInfo *
hg_osinfo_detect_iso_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

HgOsInfo *
hg_osinfo_lookup (const char *id)
{
  const HgOsinfoBackend *backend;

  g_return_val_if_fail (id != NULL, NULL);

  backend = load_backend (NULL);
  return backend != NULL ? backend->lookup (id) : NULL;
}

static int
compare_infos (gconstpointer a,
               gconstpointer b)
{
  const HgOsInfo *x = *(HgOsInfo **) a;
  const HgOsInfo *y = *(HgOsInfo **) b;
  const char *gx = x->distro != NULL ? x->distro : x->name;
  const char *gy = y->distro != NULL ? y->distro : y->name;
  int c = g_ascii_strcasecmp (gx, gy);

  if (c != 0)
    return c;
  /* newest first */
  c = g_strcmp0 (y->release_date, x->release_date);
  if (c != 0)
    return c;
  return g_utf8_collate (x->name, y->name);
}

GPtrArray *
hg_osinfo_search (const char *text,
                  guint       max_results)
{
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_os_info_unref);
  g_autofree char *folded = text != NULL ? g_utf8_casefold (text, -1) : g_strdup ("");
  g_auto(GStrv) words = g_strsplit_set (folded, " \t", -1);
  const HgOsinfoBackend *backend = load_backend (NULL);

  if (backend != NULL)
    backend->search (words, result);
  g_ptr_array_sort (result, compare_infos);
  if (max_results > 0 && result->len > max_results)
    g_ptr_array_set_size (result, max_results);
  return result;
}
