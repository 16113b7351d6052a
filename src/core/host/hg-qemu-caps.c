/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-qemu-caps"
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hg-qemu-caps.h"
#include "hg-spawn.h"

/* Bump when the JSON form changes: older cache files are then reprobed. */
#define CAPS_FORMAT 1
/* How long one emulator may take to answer */
#define PROBE_TIMEOUT_MS 30000

struct _HgQemuCaps {
  gint        ref_count;
  char       *path;
  char       *arch;
  char       *version;
  char       *package;
  gint64      mtime;
  gint64      size;
  guint64     inode;
  GPtrArray  *machines;    /* HgQemuMachine*, sorted by name */
  GStrv       cpus;        /* NULL: no query-cpu-definitions */
  GStrv       accels;
  GStrv       devices;
  gboolean    kvm_present;
  gboolean    from_cache;
};

G_DEFINE_BOXED_TYPE (HgQemuCaps, hg_qemu_caps, hg_qemu_caps_ref, hg_qemu_caps_unref)

static void
machine_free (HgQemuMachine *m)
{
  g_free (m->name);
  g_free (m->alias);
  g_free (m);
}

static HgQemuCaps *
caps_new (void)
{
  HgQemuCaps *self = g_new0 (HgQemuCaps, 1);

  self->ref_count = 1;
  self->machines = g_ptr_array_new_with_free_func ((GDestroyNotify) machine_free);
  return self;
}

HgQemuCaps *
hg_qemu_caps_ref (HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
hg_qemu_caps_unref (HgQemuCaps *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->path);
  g_free (self->arch);
  g_free (self->version);
  g_free (self->package);
  g_ptr_array_unref (self->machines);
  g_strfreev (self->cpus);
  g_strfreev (self->accels);
  g_strfreev (self->devices);
  g_free (self);
}

const char *
hg_qemu_caps_get_path (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

const char *
hg_qemu_caps_get_arch (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->arch;
}

const char *
hg_qemu_caps_get_version (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->version;
}

GPtrArray *
hg_qemu_caps_get_machines (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->machines;
}

const char *
hg_qemu_caps_get_default_machine (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; i < self->machines->len; i++)
    {
      const HgQemuMachine *m = g_ptr_array_index (self->machines, i);
      if (m->is_default)
        return m->alias != NULL ? m->alias : m->name;
    }
  return NULL;
}

const HgQemuMachine *
hg_qemu_caps_find_machine (const HgQemuCaps *self,
                           const char       *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (name == NULL)
    return NULL;
  for (guint i = 0; i < self->machines->len; i++)
    {
      const HgQemuMachine *m = g_ptr_array_index (self->machines, i);
      if (g_strcmp0 (m->name, name) == 0 || g_strcmp0 (m->alias, name) == 0)
        return m;
    }
  return NULL;
}

char *
hg_qemu_caps_describe_machines (const HgQemuCaps *self,
                                guint             max)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *def;
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  /* The default first, then aliases (the names people use), then others */
  def = hg_qemu_caps_get_default_machine (self);
  if (def != NULL)
    g_ptr_array_add (names, (gpointer) def);
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->machines->len && names->len < max; i++)
      {
        const HgQemuMachine *m = g_ptr_array_index (self->machines, i);
        const char *n = pass == 0 ? m->alias : (m->alias == NULL ? m->name : NULL);

        if (n != NULL && !m->deprecated && g_strcmp0 (n, def) != 0 &&
            g_strcmp0 (n, "none") != 0 && !g_ptr_array_find_with_equal_func (names, n, g_str_equal, NULL))
          g_ptr_array_add (names, (gpointer) n);
      }
  for (guint i = 0; i < names->len && i < max; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, g_ptr_array_index (names, i));
    }
  if (self->machines->len > names->len)
    g_string_append (s, ", …");
  return g_string_free (s, FALSE);
}

const char * const *
hg_qemu_caps_get_cpus (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->cpus;
}

gboolean
hg_qemu_caps_has_cpu (const HgQemuCaps *self,
                      const char       *cpu)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (cpu == NULL)
    return FALSE;
  if (self->cpus == NULL)
    return TRUE;
  /* "host" (KVM) and "max" are models of every target that has -cpu */
  return g_strv_contains ((const char * const *) self->cpus, cpu) ||
         g_str_equal (cpu, "host") || g_str_equal (cpu, "max");
}

const char * const *
hg_qemu_caps_get_accels (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->accels;
}

const char * const *
hg_qemu_caps_get_devices (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->devices;
}

gboolean
hg_qemu_caps_has_device (const HgQemuCaps *self,
                         const char       *type)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return type != NULL && self->devices != NULL &&
         g_strv_contains ((const char * const *) self->devices, type);
}

gboolean
hg_qemu_caps_get_kvm_present (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->kvm_present;
}

gboolean
hg_qemu_caps_is_from_cache (const HgQemuCaps *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->from_cache;
}

/* ------------------------------------------------------------------ */
/* JSON form */

static int
machine_cmp (gconstpointer a,
             gconstpointer b)
{
  const HgQemuMachine *ma = *(HgQemuMachine * const *) a;
  const HgQemuMachine *mb = *(HgQemuMachine * const *) b;

  return g_strcmp0 (ma->name, mb->name);
}

static int
str_cmp (gconstpointer a,
         gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static GStrv
sorted_strv (GPtrArray *names)
{
  g_ptr_array_sort (names, str_cmp);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

static void
add_strv (JsonBuilder *b,
          const char  *key,
          GStrv        strv)
{
  json_builder_set_member_name (b, key);
  if (strv == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_array (b);
  for (guint i = 0; strv[i] != NULL; i++)
    json_builder_add_string_value (b, strv[i]);
  json_builder_end_array (b);
}

char *
hg_qemu_caps_to_json (const HgQemuCaps *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, CAPS_FORMAT);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, self->path);
  json_builder_set_member_name (b, "mtime");
  json_builder_add_int_value (b, self->mtime);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, self->size);
  json_builder_set_member_name (b, "inode");
  json_builder_add_int_value (b, (gint64) self->inode);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, self->version);
  json_builder_set_member_name (b, "package");
  json_builder_add_string_value (b, self->package);
  json_builder_set_member_name (b, "arch");
  json_builder_add_string_value (b, self->arch);
  json_builder_set_member_name (b, "kvm-present");
  json_builder_add_boolean_value (b, self->kvm_present);
  json_builder_set_member_name (b, "machines");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->machines->len; i++)
    {
      const HgQemuMachine *m = g_ptr_array_index (self->machines, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, m->name);
      if (m->alias != NULL)
        {
          json_builder_set_member_name (b, "alias");
          json_builder_add_string_value (b, m->alias);
        }
      if (m->is_default)
        {
          json_builder_set_member_name (b, "is-default");
          json_builder_add_boolean_value (b, TRUE);
        }
      if (m->deprecated)
        {
          json_builder_set_member_name (b, "deprecated");
          json_builder_add_boolean_value (b, TRUE);
        }
      json_builder_set_member_name (b, "cpu-max");
      json_builder_add_int_value (b, m->cpu_max);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_strv (b, "cpus", self->cpus);
  add_strv (b, "accels", self->accels);
  add_strv (b, "devices", self->devices);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

/* Names from an array of strings, or of objects with a "name" member */
static GStrv
names_from_array (JsonArray   *array,
                  const char  *suffix)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *name = NULL;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        name = json_node_get_string (node);
      else if (JSON_NODE_HOLDS_OBJECT (node))
        name = json_object_get_string_member_with_default (json_node_get_object (node), "name", NULL);
      if (name == NULL)
        continue;
      if (suffix != NULL)
        {
          if (!g_str_has_suffix (name, suffix))
            continue;
          g_ptr_array_add (names, g_strndup (name, strlen (name) - strlen (suffix)));
        }
      else
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_set_free_func (names, NULL);
  return sorted_strv (g_steal_pointer (&names));
}

static void
add_machines (HgQemuCaps *self,
              JsonArray  *array)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *o;
      HgQemuMachine *m;
      const char *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      o = json_node_get_object (node);
      name = json_object_get_string_member_with_default (o, "name", NULL);
      if (name == NULL)
        continue;
      m = g_new0 (HgQemuMachine, 1);
      m->name = g_strdup (name);
      m->alias = g_strdup (json_object_get_string_member_with_default (o, "alias", NULL));
      m->is_default = json_object_get_boolean_member_with_default (o, "is-default", FALSE);
      m->deprecated = json_object_get_boolean_member_with_default (o, "deprecated", FALSE);
      m->cpu_max = (guint) CLAMP (json_object_get_int_member_with_default (o, "cpu-max", 0), 0, G_MAXUINT);
      g_ptr_array_add (self->machines, m);
    }
  g_ptr_array_sort (self->machines, machine_cmp);
}

static GStrv
strv_member (JsonObject *o,
             const char *key)
{
  JsonNode *node = json_object_get_member (o, key);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return names_from_array (json_node_get_array (node), NULL);
}

HgQemuCaps *
hg_qemu_caps_new_from_json (const char  *json,
                            gsize        length,
                            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(HgQemuCaps) self = NULL;
  JsonNode *root;
  JsonObject *o;
  JsonNode *machines;
  const char *arch;

  g_return_val_if_fail (json != NULL, NULL);

  if (!json_parser_load_from_data (parser, json, length, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("not a JSON object"));
      return NULL;
    }
  o = json_node_get_object (root);
  if (json_object_get_int_member_with_default (o, "format", 0) != CAPS_FORMAT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“format” is not %d"), CAPS_FORMAT);
      return NULL;
    }
  arch = json_object_get_string_member_with_default (o, "arch", NULL);
  machines = json_object_get_member (o, "machines");
  if (arch == NULL || machines == NULL || !JSON_NODE_HOLDS_ARRAY (machines))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“arch” or “machines” is missing"));
      return NULL;
    }

  self = caps_new ();
  self->path = g_strdup (json_object_get_string_member_with_default (o, "path", NULL));
  self->arch = g_strdup (arch);
  self->version = g_strdup (json_object_get_string_member_with_default (o, "version", NULL));
  self->package = g_strdup (json_object_get_string_member_with_default (o, "package", NULL));
  self->mtime = json_object_get_int_member_with_default (o, "mtime", 0);
  self->size = json_object_get_int_member_with_default (o, "size", 0);
  self->inode = (guint64) json_object_get_int_member_with_default (o, "inode", 0);
  self->kvm_present = json_object_get_boolean_member_with_default (o, "kvm-present", FALSE);
  add_machines (self, json_node_get_array (machines));
  self->cpus = strv_member (o, "cpus");
  self->accels = strv_member (o, "accels");
  self->devices = strv_member (o, "devices");
  return g_steal_pointer (&self);
}

HgQemuCaps *
hg_qemu_caps_new_from_file (const char  *filename,
                            GError     **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  HgQemuCaps *caps;

  if (!g_file_get_contents (filename, &data, &len, error))
    return NULL;
  caps = hg_qemu_caps_new_from_json (data, len, &local);
  if (caps == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("%s: not a QEMU capabilities file: %s"), filename, local->message);
  return caps;
}

/* ------------------------------------------------------------------ */
/* Finding emulators */

/* "qemu-system-x86_64" -> TRUE; wrappers such as qemu-system-x86_64-microvm
 * (a script around the real binary) are not targets. */
static gboolean
is_emulator_name (const char *name)
{
  const char *t;

  if (!g_str_has_prefix (name, "qemu-system-"))
    return FALSE;
  t = name + strlen ("qemu-system-");
  if (*t == '\0')
    return FALSE;
  for (; *t != '\0'; t++)
    if (!g_ascii_isalnum (*t) && *t != '_')
      return FALSE;
  return TRUE;
}

static void
scan_dir (const char *dir,
          GHashTable *found)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!is_emulator_name (name) || g_hash_table_contains (found, name))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
          g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        g_hash_table_insert (found, g_strdup (name), g_steal_pointer (&path));
    }
}

GStrv
hg_qemu_caps_find_emulators (void)
{
  g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree const char **names = NULL;
  guint n_names = 0;
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  const char *env = g_getenv ("HANGAR_QEMU_DIR");

  if (env != NULL && *env != '\0')
    scan_dir (env, found);
  else
    {
      g_auto(GStrv) dirs = g_strsplit (HG_SPAWN_PATH, ":", -1);

      /* First match on the PATH wins, as for the command assembly */
      for (guint i = 0; dirs[i] != NULL; i++)
        scan_dir (dirs[i], found);
      scan_dir ("/usr/bin", found);
    }

  names = (const char **) g_hash_table_get_keys_as_array (found, &n_names);
  qsort (names, n_names, sizeof (char *), (int (*)(const void *, const void *)) str_cmp);
  for (guint i = 0; i < n_names; i++)
    g_ptr_array_add (paths, g_strdup (g_hash_table_lookup (found, names[i])));
  g_ptr_array_add (paths, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&paths), FALSE);
}

char *
hg_qemu_caps_find_emulator (const char *arch)
{
  g_autofree char *name = NULL;
  const char *env = g_getenv ("HANGAR_QEMU_DIR");
  g_auto(GStrv) dirs = NULL;

  g_return_val_if_fail (arch != NULL, NULL);

  name = g_strconcat ("qemu-system-", arch, NULL);
  if (!is_emulator_name (name))
    return NULL;
  if (env != NULL && *env != '\0')
    {
      dirs = g_new0 (char *, 2);
      dirs[0] = g_strdup (env);
    }
  else
    dirs = g_strsplit (HG_SPAWN_PATH ":/usr/bin", ":", -1);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
          g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
  return NULL;
}

char *
hg_qemu_caps_default_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "hangar", "qemu-caps", NULL);
}

/* ------------------------------------------------------------------ */
/* Cache */

static char *
cache_file (const char *path,
            const char *cache_dir)
{
  g_autofree char *def = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strconcat (base, ".json", NULL);

  if (cache_dir == NULL)
    cache_dir = def = hg_qemu_caps_default_cache_dir ();
  return g_build_filename (cache_dir, name, NULL);
}

HgQemuCaps *
hg_qemu_caps_load_cached (const char *path,
                          const char *cache_dir)
{
  g_autofree char *file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgQemuCaps) caps = NULL;
  struct stat st;

  g_return_val_if_fail (path != NULL, NULL);

  if (stat (path, &st) != 0)
    return NULL;
  file = cache_file (path, cache_dir);
  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    return NULL;
  caps = hg_qemu_caps_new_from_file (file, &error);
  if (caps == NULL)
    {
      g_debug ("Ignoring the cached capabilities: %s", error->message);
      return NULL;
    }
  if (g_strcmp0 (caps->path, path) != 0 || caps->mtime != (gint64) st.st_mtime ||
      caps->size != (gint64) st.st_size || caps->inode != (guint64) st.st_ino)
    return NULL;
  caps->from_cache = TRUE;
  return g_steal_pointer (&caps);
}

/* path -> HgQemuCaps*, the files hg_qemu_caps_lookup_cached() has parsed */
static GMutex memo_lock;
static GHashTable *memo;

HgQemuCaps *
hg_qemu_caps_lookup_cached (const char *arch)
{
  g_autofree char *path = NULL;
  g_autoptr(GMutexLocker) locker = NULL;
  HgQemuCaps *caps;
  struct stat st;

  g_return_val_if_fail (arch != NULL, NULL);

  path = hg_qemu_caps_find_emulator (arch);
  if (path == NULL || stat (path, &st) != 0)
    return NULL;

  locker = g_mutex_locker_new (&memo_lock);
  if (memo == NULL)
    memo = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify) hg_qemu_caps_unref);
  caps = g_hash_table_lookup (memo, path);
  if (caps != NULL && caps->mtime == (gint64) st.st_mtime &&
      caps->size == (gint64) st.st_size && caps->inode == (guint64) st.st_ino)
    return hg_qemu_caps_ref (caps);

  caps = hg_qemu_caps_load_cached (path, NULL);
  if (caps == NULL)
    {
      g_hash_table_remove (memo, path);
      return NULL;
    }
  g_hash_table_replace (memo, g_strdup (path), hg_qemu_caps_ref (caps));
  return caps;
}

static void
cache_store (const HgQemuCaps *caps,
             const char       *cache_dir)
{
  g_autofree char *file = cache_file (caps->path, cache_dir);
  g_autofree char *dir = g_path_get_dirname (file);
  g_autofree char *json = hg_qemu_caps_to_json (caps);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_warning ("Cannot create %s: %s", dir, g_strerror (errno));
      return;
    }
  /* g_file_set_contents writes a temporary file and renames it */
  if (!g_file_set_contents_full (file, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("Cannot write %s: %s", file, error->message);
}

/* ------------------------------------------------------------------ */
/* Probing */

static const char probe_script[] =
  "{\"execute\":\"qmp_capabilities\"}\n"
  "{\"execute\":\"query-target\",\"id\":\"target\"}\n"
  "{\"execute\":\"query-machines\",\"id\":\"machines\"}\n"
  "{\"execute\":\"query-cpu-definitions\",\"id\":\"cpus\"}\n"
  "{\"execute\":\"query-kvm\",\"id\":\"kvm\"}\n"
  "{\"execute\":\"qom-list-types\",\"arguments\":{\"implements\":\"device\",\"abstract\":false},"
  "\"id\":\"devices\"}\n"
  "{\"execute\":\"qom-list-types\",\"arguments\":{\"implements\":\"accel\",\"abstract\":false},"
  "\"id\":\"accels\"}\n"
  "{\"execute\":\"quit\"}\n";

/* The "return" of each answer with an id, by id; the greeting's version */
static void
parse_answers (const char *out,
               GHashTable *answers,
               char      **version,
               char      **package)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;
      JsonObject *o;
      const char *id;

      if (lines[i][0] != '{' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;  /* stderr merged in: warnings are not answers */
      root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;
      o = json_node_get_object (root);
      if (json_object_has_member (o, "QMP"))
        {
          JsonObject *v = json_object_get_object_member (o, "QMP");
          JsonObject *ver = v ? json_object_get_object_member (v, "version") : NULL;
          JsonObject *q = ver ? json_object_get_object_member (ver, "qemu") : NULL;

          if (q != NULL)
            *version = g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                                        json_object_get_int_member_with_default (q, "major", 0),
                                        json_object_get_int_member_with_default (q, "minor", 0),
                                        json_object_get_int_member_with_default (q, "micro", 0));
          if (ver != NULL)
            *package = g_strdup (json_object_get_string_member_with_default (ver, "package", NULL));
          continue;
        }
      id = json_object_get_string_member_with_default (o, "id", NULL);
      if (id != NULL && json_object_has_member (o, "return"))
        g_hash_table_replace (answers, g_strdup (id), json_node_copy (json_object_get_member (o, "return")));
    }
}

static JsonArray *
answer_array (GHashTable *answers,
              const char *id)
{
  JsonNode *node = g_hash_table_lookup (answers, id);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static HgQemuCaps *
probe_binary (const char  *path,
              GError     **error)
{
  const char *argv[] = {
    path, "-machine", "none", "-nodefaults", "-no-user-config", "-display", "none",
    "-S", "-qmp", "stdio", NULL
  };
  g_autoptr(GHashTable) answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) json_node_unref);
  g_autoptr(HgQemuCaps) caps = NULL;
  g_autofree char *out = NULL;
  JsonNode *target;
  JsonNode *kvm;
  JsonArray *array;
  struct stat st;
  int status = -1;

  if (stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("%s: %s"), path, g_strerror (saved));
      return NULL;
    }
  if (!hg_spawn_work_run (argv, probe_script, PROBE_TIMEOUT_MS, &out, &status))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("%s could not be run, or did not answer within %u seconds"),
                   path, PROBE_TIMEOUT_MS / 1000);
      return NULL;
    }

  caps = caps_new ();
  caps->path = g_strdup (path);
  caps->mtime = st.st_mtime;
  caps->size = st.st_size;
  caps->inode = st.st_ino;
  parse_answers (out, answers, &caps->version, &caps->package);

  target = g_hash_table_lookup (answers, "target");
  if (target != NULL && JSON_NODE_HOLDS_OBJECT (target))
    caps->arch = g_strdup (json_object_get_string_member_with_default (json_node_get_object (target),
                                                                        "arch", NULL));
  array = answer_array (answers, "machines");
  if (caps->arch == NULL || array == NULL)
    {
      g_autofree char *first = g_strndup (out, 200);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s did not answer query-target and query-machines over QMP "
                     "(exit status %d): %s"), path, status, first);
      return NULL;
    }
  add_machines (caps, array);
  if ((array = answer_array (answers, "cpus")) != NULL)
    caps->cpus = names_from_array (array, NULL);
  if ((array = answer_array (answers, "devices")) != NULL)
    caps->devices = names_from_array (array, NULL);
  if ((array = answer_array (answers, "accels")) != NULL)
    caps->accels = names_from_array (array, "-accel");
  kvm = g_hash_table_lookup (answers, "kvm");
  if (kvm != NULL && JSON_NODE_HOLDS_OBJECT (kvm))
    caps->kvm_present = json_object_get_boolean_member_with_default (json_node_get_object (kvm),
                                                                     "present", FALSE);
  return g_steal_pointer (&caps);
}

HgQemuCaps *
hg_qemu_caps_probe (const char    *path,
                    const char    *cache_dir,
                    GCancellable  *cancellable,
                    GError       **error)
{
  HgQemuCaps *caps;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  caps = hg_qemu_caps_load_cached (path, cache_dir);
  if (caps != NULL)
    return caps;
  caps = probe_binary (path, error);
  if (caps != NULL)
    cache_store (caps, cache_dir);
  return caps;
}

typedef struct {
  char *path;
  char *cache_dir;
} ProbeData;

static void
probe_data_free (ProbeData *d)
{
  g_free (d->path);
  g_free (d->cache_dir);
  g_free (d);
}

static void
probe_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ProbeData *d = task_data;
  GError *error = NULL;
  HgQemuCaps *caps = hg_qemu_caps_probe (d->path, d->cache_dir, cancellable, &error);

  if (caps == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, caps, (GDestroyNotify) hg_qemu_caps_unref);
}

void
hg_qemu_caps_probe_async (const char          *path,
                          const char          *cache_dir,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ProbeData *d = g_new0 (ProbeData, 1);

  g_return_if_fail (path != NULL);

  g_task_set_source_tag (task, hg_qemu_caps_probe_async);
  d->path = g_strdup (path);
  d->cache_dir = g_strdup (cache_dir);
  g_task_set_task_data (task, d, (GDestroyNotify) probe_data_free);
  /* The thread waits for its child, which dies with that thread (hg-spawn.h) */
  g_task_run_in_thread (task, probe_thread);
}

HgQemuCaps *
hg_qemu_caps_probe_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
probe_all_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ProbeData *d = task_data;
  g_auto(GStrv) paths = hg_qemu_caps_find_emulators ();
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_qemu_caps_unref);

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      HgQemuCaps *caps = hg_qemu_caps_probe (paths[i], d->cache_dir, cancellable, &error);

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (caps != NULL)
        g_ptr_array_add (all, caps);
      else
        g_message ("Cannot read the capabilities of %s: %s", paths[i], error->message);
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_pointer (task, g_steal_pointer (&all), (GDestroyNotify) g_ptr_array_unref);
}

void
hg_qemu_caps_probe_all_async (const char          *cache_dir,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ProbeData *d = g_new0 (ProbeData, 1);

  g_task_set_source_tag (task, hg_qemu_caps_probe_all_async);
  d->cache_dir = g_strdup (cache_dir);
  g_task_set_task_data (task, d, (GDestroyNotify) probe_data_free);
  g_task_run_in_thread (task, probe_all_thread);
}

GPtrArray *
hg_qemu_caps_probe_all_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
