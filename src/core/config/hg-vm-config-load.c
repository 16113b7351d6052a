/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-config"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

#include "hg-vm-config.h"
#include "hg-vm-config-private.h"

/* Loading a config: see the overview in hg-vm-config.c and docs/config.md. */

static gboolean
line_is_text (const char *s,
              gsize       len)
{
  return memchr (s, '\0', len) == NULL && g_utf8_validate_len (s, len, NULL);
}

/* What GKeyFile does not check: NUL bytes, UTF-8 (with the key named),
 * keys given twice in a group (GKeyFile silently keeps the last), groups
 * given twice. */
static gboolean
scan_lines (const char  *data,
            gsize        length,
            const char  *source,
            GError     **error)
{
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;
  const char *p = data;
  const char *end = data + length;
  guint lineno = 0;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *line = p;
      gsize len = (gsize) ((nl ? nl : end) - p);
      const char *eq;

      p = nl ? nl + 1 : end;
      lineno++;

      while (len > 0 && (*line == ' ' || *line == '\t'))
        line++, len--;

      if (len > 0 && line[0] == '[')
        {
          const char *close = memchr (line, ']', len);
          g_autofree char *name = NULL;
          guint first;

          if (!line_is_text (line, len))
            {
              _hg_config_set_error (error, HG_CONFIG_ERROR_PARSE, source, NULL, NULL,
                         _("line %u: a group header with a NUL byte or that is not valid UTF-8"), lineno);
              return FALSE;
            }
          if (close == NULL)
            continue;   /* GKeyFile reports it */
          name = g_strndup (line + 1, (gsize) (close - line - 1));
          first = GPOINTER_TO_UINT (g_hash_table_lookup (groups, name));
          if (first != 0)
            {
              _hg_config_set_error (error, HG_CONFIG_ERROR_PARSE, source, name, NULL,
                         _("the group appears twice (lines %u and %u)"), first, lineno);
              return FALSE;
            }
          g_hash_table_insert (groups, g_strdup (name), GUINT_TO_POINTER (lineno));
          g_free (group);
          group = g_steal_pointer (&name);
          continue;
        }

      eq = (len > 0 && line[0] != '#') ? memchr (line, '=', len) : NULL;
      if (eq != NULL)
        {
          gsize key_len = (gsize) (eq - line);
          g_autofree char *key = NULL;
          g_autofree char *both = NULL;
          guint first;

          while (key_len > 0 && (line[key_len - 1] == ' ' || line[key_len - 1] == '\t'))
            key_len--;
          if (!line_is_text (line, key_len))
            {
              _hg_config_set_error (error, HG_CONFIG_ERROR_PARSE, source, NULL, NULL,
                         _("line %u: a key name with a NUL byte or that is not valid UTF-8"), lineno);
              return FALSE;
            }
          key = g_strndup (line, key_len);
          if (memchr (eq + 1, '\0', len - (gsize) (eq + 1 - line)) != NULL)
            {
              _hg_config_set_error (error, HG_CONFIG_ERROR_PARSE, source, group, key,
                         _("the value contains a NUL byte (line %u)"), lineno);
              return FALSE;
            }
          if (!g_utf8_validate_len (eq + 1, len - (gsize) (eq + 1 - line), NULL))
            {
              _hg_config_set_error (error, HG_CONFIG_ERROR_PARSE, source, group, key,
                         _("the value is not valid UTF-8 (line %u)"), lineno);
              return FALSE;
            }
          if (group == NULL)
            continue;   /* GKeyFile reports a key outside a group */
          both = g_strconcat (group, "\n", key, NULL);
          first = GPOINTER_TO_UINT (g_hash_table_lookup (keys, both));
          if (first != 0)
            {
              _hg_config_set_error (error, HG_CONFIG_ERROR_PARSE, source, group, key,
                         _("the key appears twice in the group (lines %u and %u)"), first, lineno);
              return FALSE;
            }
          g_hash_table_insert (keys, g_steal_pointer (&both), GUINT_TO_POINTER (lineno));
          continue;
        }

      if (!line_is_text (line, len))
        {
          _hg_config_set_error (error, HG_CONFIG_ERROR_PARSE, source, NULL, NULL,
                     _("line %u contains a NUL byte or is not valid UTF-8"), lineno);
          return FALSE;
        }
    }
  return TRUE;
}

/* Every value, known or not, after GKeyFile's unescaping. */
static gboolean
check_all_values (GKeyFile    *kf,
                  const char  *source,
                  GError     **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);

      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          g_autoptr(GError) local = NULL;
          g_autofree char *value = g_key_file_get_string (kf, groups[g], keys[k], &local);
          g_auto(GStrv) items = NULL;
          const char *problem = NULL;

          /* GKeyFile may return a value and an error (bad escapes) */
          if (local == NULL)
            problem = _hg_config_check_text (value, FALSE);
          else
            {
              g_autoptr(GError) list_error = NULL;

              items = g_key_file_get_string_list (kf, groups[g], keys[k], NULL, &list_error);
              if (list_error == NULL && items != NULL)
                for (guint i = 0; problem == NULL && items[i] != NULL; i++)
                  problem = _hg_config_check_text (items[i], FALSE);
              else
                problem = _("the value cannot be read: a backslash starts an unknown escape (write \\\\ for a backslash)");
            }

          if (problem != NULL)
            {
              _hg_config_set_error (error, HG_CONFIG_ERROR_INVALID_VALUE, source, groups[g],
                                    keys[k],
                         "%s", problem);
              return FALSE;
            }
        }
    }
  return TRUE;
}

typedef struct {
  HgVmConfig  *self;
  GKeyFile    *kf;
  const char  *source;
  GError     **error;
} Loader;

/* The value or NULL when absent or empty.  Values were checked already. */
static char *
get_opt (Loader     *l,
         const char *group,
         const char *key)
{
  char *value = g_key_file_get_string (l->kf, group, key, NULL);

  if (value != NULL && *value == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}

static gboolean
get_required (Loader     *l,
              const char *group,
              const char *key,
              const char *why,
              char      **out)
{
  *out = get_opt (l, group, key);
  if (*out == NULL)
    {
      _hg_config_set_error (l->error, HG_CONFIG_ERROR_MISSING_KEY, l->source, group, key,
                 _("the key is missing or empty (%s)"), why);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_uint (Loader     *l,
          const char *group,
          const char *key,
          guint       max,
          const char *unit,
          guint      *out)
{
  g_autofree char *value = get_opt (l, group, key);
  guint64 v;

  if (value == NULL)
    return TRUE;
  if (!_hg_config_parse_decimal (value, max, &v) || v < 1)
    {
      g_autofree char *quoted = _hg_config_quote_value (value);

      _hg_config_set_error (l->error, HG_CONFIG_ERROR_INVALID_VALUE, l->source, group, key,
                 _("%s is not a number of %s (1–%u)"), quoted, unit, max);
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

static gboolean
get_bool (Loader     *l,
          const char *group,
          const char *key,
          gboolean   *out)
{
  g_autofree char *value = get_opt (l, group, key);

  if (value == NULL)
    return TRUE;
  if (strcmp (value, "true") == 0 || strcmp (value, "1") == 0)
    *out = TRUE;
  else if (strcmp (value, "false") == 0 || strcmp (value, "0") == 0)
    *out = FALSE;
  else
    {
      g_autofree char *quoted = _hg_config_quote_value (value);

      _hg_config_set_error (l->error, HG_CONFIG_ERROR_INVALID_VALUE, l->source, group, key,
                 _("%s is not true or false"), quoted);
      return FALSE;
    }
  return TRUE;
}

#define GET_ENUM(l, group, key, parse, out, choices)                          \
  G_STMT_START {                                                              \
    g_autofree char *value_ = get_opt ((l), (group), (key));                  \
    if (value_ != NULL && !parse (value_, (out)))                             \
      {                                                                       \
        g_autofree char *quoted_ = _hg_config_quote_value (value_);                      \
        _hg_config_set_error ((l)->error, HG_CONFIG_ERROR_INVALID_VALUE, (l)->source,    \
                   (group), (key), _("%s is not %s"), quoted_, (choices));    \
        return FALSE;                                                         \
      }                                                                       \
  } G_STMT_END

static gboolean
parse_machine (Loader *l)
{
  HgVmConfig *self = l->self;

  if (!g_key_file_has_group (l->kf, "machine"))
    {
      _hg_config_set_error (l->error, HG_CONFIG_ERROR_MISSING_KEY, l->source, "machine", NULL,
                 _("the group is missing (it holds the label and the architecture)"));
      return FALSE;
    }
  if (!get_required (l, "machine", "label", _("every VM needs a label"), &self->label) ||
      !get_required (l, "machine", "arch", _("every VM needs an architecture"), &self->arch))
    return FALSE;
  self->uuid = get_opt (l, "machine", "uuid");
  self->machine = get_opt (l, "machine", "machine");
  self->cpu_model = get_opt (l, "machine", "cpu");
  self->vga = get_opt (l, "machine", "vga");
  GET_ENUM (l, "machine", "accel", hg_accel_from_string, &self->accel,
            _("an accelerator (auto, kvm or tcg)"));
  GET_ENUM (l, "machine", "firmware", hg_firmware_kind_from_string, &self->firmware,
            _("a firmware (bios, uefi or uefi-secure)"));
  if (!get_bool (l, "machine", "tpm", &self->tpm))
    return FALSE;
  return get_uint (l, "machine", "memory", HG_CONFIG_MAX_MEMORY_MIB, _("MiB"), &self->memory_mib) &&
         get_uint (l, "machine", "cpus", HG_CONFIG_MAX_CPUS, _("CPUs"), &self->cpus);
}

static gboolean
parse_fixed_groups (Loader *l)
{
  HgVmConfig *self = l->self;

  if (!parse_machine (l))
    return FALSE;

  self->os_id = get_opt (l, "guest", "os-id");
  self->os_name = get_opt (l, "guest", "name");
  self->os_version = get_opt (l, "guest", "version");
  self->os_family = get_opt (l, "guest", "family");

  GET_ENUM (l, "boot", "mode", hg_boot_mode_from_string, &self->boot_mode,
            _("a boot mode (disk, cdrom, pxe, kernel, floppy or usb)"));
  self->kernel = get_opt (l, "boot", "kernel");
  self->initrd = get_opt (l, "boot", "initrd");
  self->append = get_opt (l, "boot", "append");
  self->dtb = get_opt (l, "boot", "dtb");

  GET_ENUM (l, "display", "console", hg_console_from_string, &self->console,
            _("a console (vnc, sdl, serial or none)"));
  self->keymap = get_opt (l, "display", "keymap");

  return get_bool (l, "serial", "enabled", &self->serial);
}

/* PROTO:[ADDRESS:]HOSTPORT-GUESTPORT[,name=NAME] */
static gboolean
parse_hostfwd (const char *str,
               HgHostFwd **out)
{
  const char *comma = strchr (str, ',');
  g_autofree char *rule = g_strndup (str, comma != NULL ? (gsize) (comma - str) : strlen (str));
  g_auto(GStrv) parts = g_strsplit (rule, ":", -1);
  guint n = g_strv_length (parts);
  const char *name = NULL;
  const char *ports, *dash;
  g_autofree char *host = NULL;
  guint64 host_port, guest_port;
  HgHostFwd *fwd;

  if (n != 2 && n != 3)
    return FALSE;
  if (comma != NULL)
    {
      if (!g_str_has_prefix (comma, ",name="))
        return FALSE;
      name = comma + strlen (",name=");
      if (!hg_host_fwd_name_is_valid (name))
        return FALSE;
    }
  if (!g_str_equal (parts[0], "tcp") && !g_str_equal (parts[0], "udp"))
    return FALSE;
  if (n == 3 && !hg_host_fwd_address_is_valid (parts[1]))
    return FALSE;
  ports = parts[n - 1];
  dash = strchr (ports, '-');
  if (dash == NULL)
    return FALSE;
  host = g_strndup (ports, (gsize) (dash - ports));
  if (!_hg_config_parse_decimal (host, 65535, &host_port) || host_port == 0 ||
      !_hg_config_parse_decimal (dash + 1, 65535, &guest_port) || guest_port == 0)
    return FALSE;

  fwd = g_new0 (HgHostFwd, 1);
  fwd->proto = g_strdup (parts[0]);
  fwd->address = n == 3 ? g_strdup (parts[1]) : NULL;
  fwd->host_port = (guint16) host_port;
  fwd->guest_port = (guint16) guest_port;
  fwd->name = g_strdup (name);
  *out = fwd;
  return TRUE;
}

static gboolean
parse_disk (Loader     *l,
            const char *group)
{
  HgDisk *disk = hg_disk_new (NULL, NULL, NULL);

  g_ptr_array_add (l->self->disks, disk);
  disk->group = g_strdup (group);
  disk->path = get_opt (l, group, "path");
  disk->format = get_opt (l, group, "format");
  disk->interface = get_opt (l, group, "interface");
  disk->allow_backing = g_key_file_get_string_list (l->kf, group, "allow-backing", NULL, NULL);
  if (disk->allow_backing != NULL && disk->allow_backing[0] == NULL)
    g_clear_pointer (&disk->allow_backing, g_strfreev);
  return TRUE;
}

static gboolean
parse_medium (Loader      *l,
              const char  *group,
              HgMediumKind kind)
{
  HgMedium *medium = hg_medium_new (kind, NULL);
  char *format;

  g_ptr_array_add (l->self->media, medium);
  medium->group = g_strdup (group);
  medium->path = get_opt (l, group, "path");
  if ((format = get_opt (l, group, "format")) != NULL)
    {
      g_free (medium->format);
      medium->format = format;
    }
  return TRUE;
}

static gboolean
parse_nic (Loader     *l,
           const char *group)
{
  HgNic *nic = hg_nic_new (HG_NET_NONE);
  g_auto(GStrv) fwds = NULL;

  g_ptr_array_add (l->self->nics, nic);
  nic->group = g_strdup (group);
  g_clear_pointer (&nic->mac, g_free);

  if (!g_key_file_has_key (l->kf, group, "mode", NULL))
    {
      _hg_config_set_error (l->error, HG_CONFIG_ERROR_MISSING_KEY, l->source, group, "mode",
                 _("the key is missing (none, user, vde or tap)"));
      return FALSE;
    }
  GET_ENUM (l, group, "mode", hg_net_mode_from_string, &nic->mode,
            _("a network mode (none, user, vde or tap)"));
  nic->switch_name = get_opt (l, group, "switch");
  if (nic->switch_name == NULL && nic->mode == HG_NET_VDE)
    nic->switch_name = g_strdup ("default");
  nic->tap = get_opt (l, group, "tap");
  nic->mac = get_opt (l, group, "mac");
  nic->model = get_opt (l, group, "model");
  nic->tftp = get_opt (l, group, "tftp");
  nic->bootfile = get_opt (l, group, "bootfile");
  if (!get_bool (l, group, "vdeq", &nic->vdeq))
    return FALSE;

  fwds = g_key_file_get_string_list (l->kf, group, "hostfwd", NULL, NULL);
  for (guint i = 0; fwds != NULL && fwds[i] != NULL; i++)
    {
      HgHostFwd *fwd = NULL;

      if (*fwds[i] == '\0')
        continue;
      if (!parse_hostfwd (fwds[i], &fwd))
        {
          g_autofree char *quoted = _hg_config_quote_value (fwds[i]);

          _hg_config_set_error (l->error, HG_CONFIG_ERROR_INVALID_VALUE, l->source, group,
                                "hostfwd",
                     _("%s is not a port forward (tcp:HOSTPORT-GUESTPORT or udp:…, ports 1–65535, optionally tcp:ADDRESS:HOSTPORT-GUESTPORT with an IPv4 address, and ,name=NAME)"),
                     quoted);
          return FALSE;
        }
      g_ptr_array_add (nic->hostfwd, fwd);
    }
  return TRUE;
}

static gboolean
parse_share (Loader     *l,
             const char *group)
{
  HgShare *share = hg_share_new (NULL, NULL);

  g_ptr_array_add (l->self->shares, share);
  share->group = g_strdup (group);
  share->path = get_opt (l, group, "path");
  share->tag = get_opt (l, group, "tag");
  if (!get_bool (l, group, "readonly", &share->readonly))
    return FALSE;
  GET_ENUM (l, group, "transport", hg_share_transport_from_string, &share->transport,
            _("a transport (auto, virtiofs or 9p)"));
  return TRUE;
}

typedef struct {
  guint       index;
  const char *group;
} IndexedGroup;

static gint
compare_indexed (gconstpointer a,
                 gconstpointer b)
{
  const IndexedGroup *ga = a, *gb = b;

  return (ga->index > gb->index) - (ga->index < gb->index);
}

static gboolean
parse_indexed_groups (Loader *l)
{
  g_auto(GStrv) groups = g_key_file_get_groups (l->kf, NULL);
  GArray *found[N_KINDS] = { NULL };
  gboolean ok = TRUE;

  for (guint k = 0; k < N_KINDS; k++)
    found[k] = g_array_new (FALSE, FALSE, sizeof (IndexedGroup));

  for (guint g = 0; groups[g] != NULL; g++)
    {
      HgConfigIndexedKind kind;
      IndexedGroup ig = { 0, groups[g] };
      gboolean canonical;

      if (!_hg_config_parse_indexed_group (groups[g], &kind, &ig.index, &canonical))
        continue;
      if (!canonical)
        {
          _hg_config_set_error (l->error, HG_CONFIG_ERROR_INVALID_VALUE, l->source, groups[g], NULL,
                     _("not a valid group name: use [%s:0], [%s:1] … (numbers 0–%u without leading zeros)"),
                     _hg_config_kind_prefix[kind], _hg_config_kind_prefix[kind], MAX_INDEX);
          ok = FALSE;
          break;
        }
      g_array_append_val (found[kind], ig);
    }

  for (guint k = 0; ok && k < N_KINDS; k++)
    {
      g_array_sort (found[k], compare_indexed);
      for (guint i = 0; ok && i < found[k]->len; i++)
        {
          const char *group = g_array_index (found[k], IndexedGroup, i).group;

          switch ((HgConfigIndexedKind) k)
            {
            case KIND_DISK: ok = parse_disk (l, group); break;
            case KIND_CDROM: ok = parse_medium (l, group, HG_MEDIUM_CDROM); break;
            case KIND_FLOPPY: ok = parse_medium (l, group, HG_MEDIUM_FLOPPY); break;
            case KIND_USB: ok = parse_medium (l, group, HG_MEDIUM_USB); break;
            case KIND_NET: ok = parse_nic (l, group); break;
            case KIND_SHARE: ok = parse_share (l, group); break;
            case N_KINDS:
            default: g_assert_not_reached ();
            }
        }
    }

  for (guint k = 0; k < N_KINDS; k++)
    g_array_unref (found[k]);
  return ok;
}

HgVmConfig *
hg_vm_config_load_from_data (const char  *data,
                             gsize        length,
                             const char  *path_for_messages,
                             GError     **error)
{
  g_autoptr(HgVmConfig) self = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GKeyFile) kf = NULL;
  const char *source;
  Loader l;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  source = path_for_messages != NULL ? path_for_messages : _("VM config");
  if (length == (gsize) -1)
    length = strlen (data);

  if (length > HG_CONFIG_MAX_FILE_SIZE)
    {
      _hg_config_set_error (error, HG_CONFIG_ERROR_PARSE, source, NULL, NULL,
                 _("the file is too large (%lu bytes; a VM config is at most 1 MiB)"),
                 (unsigned long) length);
      return NULL;
    }
  if (!scan_lines (data, length, source, error))
    return NULL;

  self = _hg_vm_config_alloc ();
  self->source = g_strdup (source);
  if (path_for_messages != NULL && g_str_has_suffix (path_for_messages, HG_CONFIG_SUFFIX))
    {
      self->path = g_canonicalize_filename (path_for_messages, NULL);
      self->dir = g_path_get_dirname (self->path);
    }

  kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, data, length,
                                  G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS,
                                  &local))
    {
      _hg_config_set_error (error, HG_CONFIG_ERROR_PARSE, source, NULL, NULL,
                 _("not a valid config file: %s"), local->message);
      return NULL;
    }
  if (!check_all_values (kf, source, error))
    return NULL;

  l = (Loader) { self, kf, source, error };
  if (!parse_fixed_groups (&l) || !parse_indexed_groups (&l))
    return NULL;

  if (self->uuid == NULL)
    self->uuid = _hg_config_uuid_from_name (self->path != NULL ? self->path : self->label);

  if (!hg_vm_config_validate (self, error))
    return NULL;

  /* the key file again only when it is saved (hg_vm_config_get_keyfile) */
  self->original = g_strndup (data, length);
  return g_steal_pointer (&self);
}

/* Only a regular file of this user's, not reached through a symlink, is
 * read: a VM directory from someone else may name anything (/etc/shadow,
 * ~/.ssh/id_rsa) as its config, and the errors of a parse would quote it.
 * A refused file is never read, so no message can hold its content. */
static gboolean
read_config_file (const char  *path,
                  char       **out_data,
                  gsize       *out_length,
                  GError     **error)
{
  g_autofree char *data = NULL;
  struct stat st;
  gsize length = 0;
  int fd;
  int saved_errno;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW, 0);
  if (fd < 0)
    {
      saved_errno = errno;
      if (saved_errno == ELOOP && lstat (path, &st) == 0 && S_ISLNK (st.st_mode))
        g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                     _("%s: is a symbolic link; a VM config must be a file of its own in the VM directory (not followed)"),
                     path);
      else
        g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                     _("%s: cannot open: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                   _("%s: not a regular file"), path);
      close (fd);
      return FALSE;
    }
  if (st.st_uid != geteuid ())
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                   _("%s: belongs to another user (uid %u); not read"), path,
                   (guint) st.st_uid);
      close (fd);
      return FALSE;
    }
  if (st.st_size > HG_CONFIG_MAX_FILE_SIZE)
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_PARSE,
                   _("%s: the file is too large (%lld bytes; a VM config is at most 1 MiB)"),
                   path, (long long) st.st_size);
      close (fd);
      return FALSE;
    }

  /* One byte more than allowed, in case it grows while we read. */
  data = g_malloc (HG_CONFIG_MAX_FILE_SIZE + 2);
  while (length <= HG_CONFIG_MAX_FILE_SIZE)
    {
      gssize n = read (fd, data + length, HG_CONFIG_MAX_FILE_SIZE + 1 - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                       _("%s: cannot read: %s"), path, g_strerror (saved_errno));
          close (fd);
          return FALSE;
        }
      if (n == 0)
        break;
      length += (gsize) n;
    }
  close (fd);
  if (length > HG_CONFIG_MAX_FILE_SIZE)
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_PARSE,
                   _("%s: the file is too large (a VM config is at most 1 MiB)"), path);
      return FALSE;
    }
  data[length] = '\0';
  *out_data = g_steal_pointer (&data);
  *out_length = length;
  return TRUE;
}

HgVmConfig *
hg_vm_config_load (const char  *path,
                   GError     **error)
{
  g_autofree char *abs = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  abs = g_canonicalize_filename (path, NULL);
  if (!g_str_has_suffix (abs, HG_CONFIG_SUFFIX))
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO,
                   _("%s: not a VM config: its name must be <label>%s"), abs, HG_CONFIG_SUFFIX);
      return NULL;
    }
  if (!read_config_file (abs, &data, &length, error))
    return NULL;
  return hg_vm_config_load_from_data (data, length, abs, error);
}

