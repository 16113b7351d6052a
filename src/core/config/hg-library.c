/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-library"
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hg-library.h"
#include "hg-temp.h"

/*
 * Enumeration is plain openat/readdir/fstatat: one fstatat per directory
 * ("<name>/<name>.hangar") decides whether it is a VM or a folder, and no
 * GFile or GFileInfo is made per entry.  The configs are then loaded in a few
 * threads when there are many (10,000 VMs: see bench/enumerate.c).
 *
 * A scan (not a lookup) also removes what killed work left behind
 * (hg-temp.h): ".<label>.tmp-XXXXXX" folders beside the VMs and
 * ".<label>.hangar.tmp-saving" files in them, unless their maker still
 * holds their lock.
 */

G_DEFINE_QUARK (hg-library-error-quark, hg_library_error)

void
hg_library_entry_free (HgLibraryEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->base);
  g_free (entry->folder);
  g_free (entry->dir);
  g_free (entry->path);
  g_free (entry->label);
  g_free (entry->same_uuid_as);
  g_clear_pointer (&entry->config, hg_vm_config_unref);
  g_clear_error (&entry->error);
  g_free (entry);
}

char **
hg_library_default_bases (void)
{
  char **bases = g_new0 (char *, 2);

  bases[0] = g_build_filename (g_get_user_data_dir (), "hangar", "vms", NULL);
  return bases;
}

char **
hg_library_configured_bases (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_auto(GStrv) defaults = hg_library_default_bases ();
  g_auto(GStrv) extra = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL ||
      !g_settings_schema_has_key (schema, "base-directories") ||
      !g_settings_schema_has_key (schema, "include-default-base"))
    return g_steal_pointer (&defaults);

  settings = g_settings_new_full (schema, NULL, NULL);
  builder = g_strv_builder_new ();
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  if (g_settings_get_boolean (settings, "include-default-base"))
    for (guint i = 0; defaults[i] != NULL; i++)
      if (g_hash_table_add (seen, defaults[i]))
        g_strv_builder_add (builder, defaults[i]);
  extra = g_settings_get_strv (settings, "base-directories");
  for (guint i = 0; extra[i] != NULL; i++)
    if (extra[i][0] != '\0' && g_hash_table_add (seen, extra[i]))
      g_strv_builder_add (builder, extra[i]);
  return g_strv_builder_end (builder);
}

/* ---- the walk ------------------------------------------------------------ */

typedef struct {
  const char   *base;
  GCancellable *cancellable;
  GHashTable   *visited;      /* "dev:ino" of every folder opened */
  const char   *only_label;   /* lookup: report only VMs of this name */
  GPtrArray    *entries;      /* HgLibraryEntry*, config not loaded yet */
  gboolean      clean;        /* remove stale temporary folders (a scan) */
} Walk;

static HgLibraryEntry *
entry_new (const char *base,
           const char *folder,
           const char *dir,
           const char *label)
{
  HgLibraryEntry *entry = g_new0 (HgLibraryEntry, 1);

  entry->base = g_strdup (base);
  entry->folder = g_strdup (folder);
  entry->dir = g_strdup (dir);
  entry->label = g_strdup (label);
  entry->path = g_strconcat (dir, G_DIR_SEPARATOR_S, label, HG_CONFIG_SUFFIX, NULL);
  return entry;
}

static void
add_unreadable (Walk       *w,
                const char *folder,
                const char *dir,
                int         errsv)
{
  HgLibraryEntry *entry;
  g_autofree char *name = g_path_get_basename (dir);

  if (w->only_label != NULL)
    return;
  entry = g_new0 (HgLibraryEntry, 1);
  entry->base = g_strdup (w->base);
  entry->folder = g_strdup (folder);
  entry->dir = g_strdup (dir);
  entry->path = g_strdup (dir);
  entry->label = g_steal_pointer (&name);
  g_set_error (&entry->error, HG_LIBRARY_ERROR, HG_LIBRARY_ERROR_UNREADABLE,
               _("%s: the folder cannot be read: %s"), dir, g_strerror (errsv));
  g_ptr_array_add (w->entries, entry);
}

/* dfd is an open directory (consumed); path its name for messages and
 * entries; folder its place relative to the base. */
static void
walk_dir (Walk       *w,
          int         dfd,
          const char *path,
          const char *folder,
          guint       depth)
{
  struct stat st;
  DIR *d;
  struct dirent *de;
  g_autoptr(GPtrArray) subdirs = NULL;
  g_autoptr(GPtrArray) stale = NULL;

  if (fstat (dfd, &st) != 0)
    {
      close (dfd);
      return;
    }
  if (!g_hash_table_add (w->visited,
                         g_strdup_printf ("%ju:%ju", (uintmax_t) st.st_dev, (uintmax_t) st.st_ino)))
    {
      close (dfd);   /* seen already: a symlink loop or overlapping bases */
      return;
    }
  d = fdopendir (dfd);
  if (d == NULL)
    {
      close (dfd);
      return;
    }

  subdirs = g_ptr_array_new_with_free_func (g_free);
  stale = g_ptr_array_new_with_free_func (g_free);
  while ((de = readdir (d)) != NULL)
    {
      const char *name = de->d_name;
      g_autofree char *config = NULL;
      struct stat cst;

      if (name[0] == '.')   /* ., .., hidden, and VMs being created */
        {
          if (w->clean && hg_temp_name_matches (name))
            g_ptr_array_add (stale, g_strdup (name));
          continue;
        }
      if (de->d_type != DT_DIR && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
        continue;
      if (de->d_type != DT_DIR &&
          (fstatat (dfd, name, &cst, 0) != 0 || !S_ISDIR (cst.st_mode)))
        continue;

      config = g_strconcat (name, G_DIR_SEPARATOR_S, name, HG_CONFIG_SUFFIX, NULL);
      /* the config itself, not what a symlink there points to: a link (even
       * a dangling or looping one) is a VM whose load refuses it, by name */
      if (fstatat (dfd, config, &cst, AT_SYMLINK_NOFOLLOW) == 0)
        {
          if (w->only_label == NULL || strcmp (w->only_label, name) == 0)
            {
              g_autofree char *dir = g_build_filename (path, name, NULL);
              g_ptr_array_add (w->entries, entry_new (w->base, folder, dir, name));
            }
          continue;   /* never into a VM */
        }
      if (errno == EACCES)
        {
          g_autofree char *dir = g_build_filename (path, name, NULL);
          g_autofree char *sub = folder[0] != '\0' ? g_build_filename (folder, name, NULL)
                                                   : g_strdup (name);
          add_unreadable (w, sub, dir, EACCES);
          continue;
        }
      g_ptr_array_add (subdirs, g_strdup (name));
    }
  /* left by killed work unless still locked by live work */
  for (guint i = 0; i < stale->len; i++)
    hg_temp_remove_stale (dirfd (d), path, g_ptr_array_index (stale, i));

  if (depth < HG_LIBRARY_MAX_DEPTH)
    for (guint i = 0; i < subdirs->len; i++)
      {
        const char *name = g_ptr_array_index (subdirs, i);
        g_autofree char *sub_path = g_build_filename (path, name, NULL);
        g_autofree char *sub_folder = folder[0] != '\0' ? g_build_filename (folder, name, NULL)
                                                        : g_strdup (name);
        int sfd;

        if (g_cancellable_is_cancelled (w->cancellable))
          break;
        sfd = openat (dirfd (d), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
        if (sfd < 0)
          {
            int errsv = errno;
            if (errsv != ENOENT && errsv != ENOTDIR)
              add_unreadable (w, sub_folder, sub_path, errsv);
            continue;
          }
        walk_dir (w, sfd, sub_path, sub_folder, depth + 1);
      }
  closedir (d);
}

static void
walk_base (Walk       *w,
           const char *base,
           const char *folder)
{
  g_autofree char *start = NULL;
  int dfd;

  w->base = base;
  if (folder == NULL)
    folder = "";
  start = folder[0] != '\0' ? g_build_filename (base, folder, NULL) : g_strdup (base);
  dfd = open (start, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
  if (dfd < 0)
    {
      int errsv = errno;
      if (errsv != ENOENT)
        add_unreadable (w, folder, start, errsv);
      return;
    }
  walk_dir (w, dfd, start, folder, 0);
}

/* ---- loading --------------------------------------------------------------- */

typedef struct {
  GPtrArray *entries;
  gint       next;
} LoadJob;

static gpointer
load_worker (gpointer user_data)
{
  LoadJob *job = user_data;

  for (;;)
    {
      gint i = g_atomic_int_add (&job->next, 1);
      HgLibraryEntry *entry;

      if (i >= (gint) job->entries->len)
        break;
      entry = g_ptr_array_index (job->entries, i);
      if (entry->error != NULL)
        continue;
      /* a config save that was killed (hg-vm-config-save.c) */
      {
        g_autofree char *file = g_strconcat (entry->label, HG_CONFIG_SUFFIX, NULL);
        hg_temp_clean_save (entry->dir, file);
      }
      entry->config = hg_vm_config_load (entry->path, &entry->error);
    }
  return NULL;
}

/* Below this many configs a thread costs more than it saves */
#define PARALLEL_LOAD_MIN 64
#define MAX_LOAD_THREADS  4

static void
load_entries (GPtrArray *entries,
              guint      from)
{
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();
  LoadJob job = { NULL, 0 };
  GThread *threads[MAX_LOAD_THREADS];
  guint n_threads;

  for (guint i = from; i < entries->len; i++)
    g_ptr_array_add (todo, g_ptr_array_index (entries, i));
  job.entries = todo;

  n_threads = CLAMP (g_get_num_processors (), 1, MAX_LOAD_THREADS);
  if (todo->len < PARALLEL_LOAD_MIN || n_threads == 1)
    {
      load_worker (&job);
      return;
    }
  /* this thread works too */
  for (guint t = 0; t + 1 < n_threads; t++)
    threads[t] = g_thread_new ("hg-library-load", load_worker, &job);
  load_worker (&job);
  for (guint t = 0; t + 1 < n_threads; t++)
    g_thread_join (threads[t]);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const HgLibraryEntry *ea = *(HgLibraryEntry * const *) a;
  const HgLibraryEntry *eb = *(HgLibraryEntry * const *) b;
  int r = strcmp (ea->folder, eb->folder);

  if (r != 0)
    return r;
  return strcmp (ea->label, eb->label);
}

static void
sort_range (GPtrArray *entries,
            guint      from)
{
  if (entries->len > from + 1)
    qsort (entries->pdata + from, entries->len - from, sizeof (gpointer), compare_entries);
}

GPtrArray *
hg_library_scan (const char * const *bases,
                 GCancellable       *cancellable)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_library_entry_free);
  g_autoptr(GHashTable) visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; bases != NULL && bases[i] != NULL; i++)
    {
      Walk w = { NULL, cancellable, visited, NULL, entries, TRUE };
      guint from = entries->len;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      walk_base (&w, bases[i], NULL);
      sort_range (entries, from);
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_ptr_array_set_size (entries, 0);
      return entries;
    }
  load_entries (entries, 0);
  hg_library_mark_duplicates (entries);
  return entries;
}

/* ---- duplicate uuids (a cp -r of a VM, a ctys file imported twice) ----- */

void
hg_library_mark_duplicates (GPtrArray *entries)
{
  g_autoptr(GHashTable) first = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_if_fail (entries != NULL);

  for (guint i = 0; i < entries->len; i++)
    g_clear_pointer (&((HgLibraryEntry *) g_ptr_array_index (entries, i))->same_uuid_as, g_free);
  for (guint i = 0; i < entries->len; i++)
    {
      HgLibraryEntry *e = g_ptr_array_index (entries, i);
      HgLibraryEntry *other;
      char *key;

      if (e->config == NULL || e->config->uuid == NULL || e->config->uuid[0] == '\0')
        continue;
      key = g_ascii_strdown (e->config->uuid, -1);
      other = g_hash_table_lookup (first, key);
      if (other == NULL)
        {
          g_hash_table_insert (first, key, e);
          continue;
        }
      g_free (key);
      /* each of them names another: the first the second, the rest the first */
      e->same_uuid_as = g_strdup (other->path);
      if (other->same_uuid_as == NULL)
        other->same_uuid_as = g_strdup (e->path);
    }
}

static gboolean
same_directory (const char *a,
                const char *b)
{
  struct stat sa, sb;

  if (a == NULL || b == NULL)
    return FALSE;
  if (stat (a, &sa) != 0 || stat (b, &sb) != 0)
    return g_strcmp0 (a, b) == 0;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

char *
hg_library_find_same_uuid (const char * const *bases,
                           HgVmConfig         *config)
{
  g_autoptr(GPtrArray) entries = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  if (config->uuid == NULL || config->uuid[0] == '\0')
    return NULL;
  entries = hg_library_scan (bases, NULL);
  for (guint i = 0; i < entries->len; i++)
    {
      HgLibraryEntry *e = g_ptr_array_index (entries, i);

      if (e->config != NULL && e->config->uuid != NULL &&
          g_ascii_strcasecmp (e->config->uuid, config->uuid) == 0 &&
          !same_directory (e->dir, config->dir))
        return g_strdup (e->path);
    }
  return NULL;
}

void
hg_library_scan_folder (const char   *base,
                        const char   *folder,
                        GPtrArray    *entries,
                        GCancellable *cancellable)
{
  g_autoptr(GHashTable) visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Walk w = { NULL, cancellable, visited, NULL, entries, TRUE };
  guint from;

  g_return_if_fail (base != NULL);
  g_return_if_fail (entries != NULL);

  from = entries->len;
  walk_base (&w, base, folder);
  load_entries (entries, from);
}

char *
hg_library_find_label (const char *base,
                       const char *label)
{
  g_autoptr(GHashTable) visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_library_entry_free);
  Walk w = { NULL, NULL, visited, label, found, FALSE };

  g_return_val_if_fail (base != NULL, NULL);
  g_return_val_if_fail (label != NULL, NULL);

  walk_base (&w, base, NULL);
  if (found->len == 0)
    return NULL;
  return g_strdup (((HgLibraryEntry *) g_ptr_array_index (found, 0))->path);
}

/* ---- lookup ------------------------------------------------------------- */

static char *
bases_for_message (const char * const *bases)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; bases != NULL && bases[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, bases[i]);
    }
  if (s->len == 0)
    g_string_append (s, _("(no base directories)"));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
looks_like_path (const char *name)
{
  return strchr (name, G_DIR_SEPARATOR) != NULL ||
         g_str_equal (name, ".") || g_str_equal (name, "..") ||
         g_str_has_suffix (name, HG_CONFIG_SUFFIX);
}

static HgVmConfig *
lookup_path (const char  *name,
             GError     **error)
{
  g_autofree char *abs = g_canonicalize_filename (name, NULL);
  g_autofree char *label = NULL;
  g_autofree char *config = NULL;

  if (g_file_test (abs, G_FILE_TEST_IS_DIR))
    {
      label = g_path_get_basename (abs);
      config = g_strconcat (abs, G_DIR_SEPARATOR_S, label, HG_CONFIG_SUFFIX, NULL);
      if (!g_file_test (config, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, HG_LIBRARY_ERROR, HG_LIBRARY_ERROR_NOT_FOUND,
                       _("%s is not a VM directory: it has no %s%s"),
                       abs, label, HG_CONFIG_SUFFIX);
          return NULL;
        }
      return hg_vm_config_load (config, error);
    }
  if (!g_file_test (abs, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, HG_LIBRARY_ERROR, HG_LIBRARY_ERROR_NOT_FOUND,
                   _("no VM at %s: no such file or directory"), abs);
      return NULL;
    }
  if (!g_str_has_suffix (abs, HG_CONFIG_SUFFIX))
    {
      g_set_error (error, HG_LIBRARY_ERROR, HG_LIBRARY_ERROR_NOT_FOUND,
                   _("%s is not a VM: name a VM directory or its %s file"),
                   abs, HG_CONFIG_SUFFIX);
      return NULL;
    }
  return hg_vm_config_load (abs, error);
}

HgVmConfig *
hg_library_lookup (const char * const *bases,
                   const char         *name_or_dir,
                   GError            **error)
{
  g_autoptr(GHashTable) visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_library_entry_free);
  HgLibraryEntry *entry;

  g_return_val_if_fail (name_or_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name_or_dir[0] == '\0')
    {
      g_set_error_literal (error, HG_LIBRARY_ERROR, HG_LIBRARY_ERROR_NOT_FOUND,
                           _("no VM named: the name is empty"));
      return NULL;
    }
  if (looks_like_path (name_or_dir))
    return lookup_path (name_or_dir, error);

  for (guint i = 0; bases != NULL && bases[i] != NULL; i++)
    {
      Walk w = { NULL, NULL, visited, name_or_dir, found, FALSE };
      walk_base (&w, bases[i], NULL);
    }

  if (found->len == 0)
    {
      g_autofree char *local = g_strconcat (name_or_dir, G_DIR_SEPARATOR_S, name_or_dir,
                                            HG_CONFIG_SUFFIX, NULL);
      g_autofree char *where = NULL;

      /* a VM directory in the current directory */
      if (g_file_test (local, G_FILE_TEST_IS_REGULAR))
        return hg_vm_config_load (local, error);
      where = bases_for_message (bases);
      g_set_error (error, HG_LIBRARY_ERROR, HG_LIBRARY_ERROR_NOT_FOUND,
                   _("no VM named '%s' in %s"), name_or_dir, where);
      return NULL;
    }
  if (found->len > 1)
    {
      g_autoptr(GString) paths = g_string_new (NULL);

      for (guint i = 0; i < found->len; i++)
        {
          entry = g_ptr_array_index (found, i);
          if (i > 0)
            g_string_append (paths, i + 1 == found->len ? _(" and ") : ", ");
          g_string_append (paths, entry->path);
        }
      g_set_error (error, HG_LIBRARY_ERROR, HG_LIBRARY_ERROR_AMBIGUOUS,
                   _("the VM name '%s' is ambiguous: %s; name it by its directory"),
                   name_or_dir, paths->str);
      return NULL;
    }
  entry = g_ptr_array_index (found, 0);
  return hg_vm_config_load (entry->path, error);
}
