/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-config"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "hg-host.h"
#include "hg-qemu-caps.h"
#include "hg-vm-config.h"
#include "hg-vm-config-private.h"

/*
 * The config object, its elements and validation.  Loading is in
 * hg-vm-config-load.c, saving in hg-vm-config-save.c.
 *
 * A VM config is a GKeyFile, <dir>/<label>.hangar (docs/config.md).
 *
 * Loading happens in four steps, each of which can refuse the file with an
 * error naming the file, the group and the key:
 *   1. size (at most 1 MiB) and a light line scan that GKeyFile does not do:
 *      NUL bytes, invalid UTF-8, duplicate keys and duplicate groups;
 *   2. GKeyFile parsing (comments and translations kept);
 *   3. every value of every group, known or not, unescaped and checked for
 *      control characters (GKeyFile turns "\n" into a real newline);
 *   4. the known groups parsed into the struct, then hg_vm_config_validate().
 *
 * The key file is retained: saving writes the struct back into it, so keys
 * and groups Hangar does not know, and comments, survive.  Indexed groups
 * ([disk:N] ...) are renumbered 0..n-1 in array order; each element remembers
 * the group it came from so that its unknown keys follow it.
 */

G_DEFINE_QUARK (hg-config-error-quark, hg_config_error)

G_DEFINE_BOXED_TYPE (HgVmConfig, hg_vm_config, hg_vm_config_ref, hg_vm_config_unref)

static const char *const disk_formats[] = {
  "qcow2", "raw", "vmdk", "vdi", "vpc", "vhdx", "qed", "cow", NULL
};

static const char *const disk_interfaces[] = {
  "virtio", "ide", "scsi", "sd", "none", NULL
};

static const char *const vga_types[] = {
  "std", "cirrus", "vmware", "qxl", "xenfb", "tcx", "cg3", "virtio", "none", NULL
};

gboolean
_hg_config_strv_has (const char *const *strv,
          const char        *str)
{
  return str != NULL && g_strv_contains (strv, str);
}

static char *
strv_join (const char *const *strv)
{
  return g_strjoinv (", ", (char **) strv);
}

/* ------------------------------------------------------------------ */
/* Messages */

const char *
_hg_vm_config_display_name (HgVmConfig *self)
{
  if (self->path != NULL)
    return self->path;
  if (self->source != NULL)
    return self->source;
  return _("new VM config");
}

/* A value fit for a message: quoted, cut, escaped if not printable text. */
char *
_hg_config_quote_value (const char *value)
{
  g_autofree char *cut = NULL;
  gboolean printable = g_utf8_validate (value, -1, NULL);
  gboolean longer;

  for (const char *p = value; printable && *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      printable = FALSE;

  if (printable)
    {
      glong chars = g_utf8_strlen (value, -1);

      longer = chars > 60;
      cut = g_utf8_substring (value, 0, MIN (chars, 60));
      return g_strdup_printf ("“%s%s”", cut, longer ? "…" : "");
    }

  longer = strlen (value) > 60;
  cut = g_strndup (value, 60);
  {
    g_autofree char *escaped = g_strescape (cut, NULL);
    return g_strdup_printf ("“%s%s”", escaped, longer ? "…" : "");
  }
}

/* "<file>: [group] key: message" */
void
_hg_config_set_error (GError      **error,
           HgConfigError code,
           const char   *source,
           const char   *group,
           const char   *key,
           const char   *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (group != NULL && key != NULL)
    g_set_error (error, HG_CONFIG_ERROR, code, "%s: [%s] %s: %s", source, group, key, message);
  else if (group != NULL)
    g_set_error (error, HG_CONFIG_ERROR, code, "%s: [%s]: %s", source, group, message);
  else
    g_set_error (error, HG_CONFIG_ERROR, code, "%s: %s", source, message);
}

/* NULL when value is fine text, else what is wrong with it. */
const char *
_hg_config_check_text (const char *value,
            gboolean    limit_length)
{
  if (!g_utf8_validate (value, -1, NULL))
    return _("the value is not valid UTF-8");
  for (const char *p = value; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return _("the value contains a line break or another control character");
  if (limit_length && strlen (value) > HG_CONFIG_MAX_VALUE_LEN)
    return _("the value is longer than 4096 bytes");
  return NULL;
}

/* 1..max_len of [A-Za-z0-9._-] plus extra, not starting with '.' or '-' */
static gboolean
is_token (const char *value,
          const char *extra,
          gsize       max_len)
{
  gsize len;

  if (value == NULL)
    return FALSE;
  len = strlen (value);
  if (len == 0 || len > max_len || value[0] == '.' || value[0] == '-')
    return FALSE;
  for (const char *p = value; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-' &&
        (extra == NULL || strchr (extra, *p) == NULL))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Small public helpers */

const char * const *
hg_disk_formats (void)
{
  return disk_formats;
}

gboolean
hg_disk_format_is_known (const char *format)
{
  return _hg_config_strv_has (disk_formats, format);
}

const char *
hg_medium_kind_to_string (HgMediumKind kind)
{
  return hg_enum_to_nick (HG_TYPE_MEDIUM_KIND, (int) kind);
}

gboolean
hg_label_is_valid (const char  *label,
                   GError     **error)
{
  g_autofree char *quoted = NULL;

  if (label == NULL || *label == '\0')
    {
      g_set_error_literal (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL,
                           _("A VM name must not be empty"));
      return FALSE;
    }

  quoted = _hg_config_quote_value (label);
  if (strlen (label) > 64)
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL,
                   _("%s is not a valid VM name: it is longer than 64 characters"), quoted);
      return FALSE;
    }
  if (label[0] == '.' || label[0] == '-')
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL,
                   _("%s is not a valid VM name: it must not start with “.” or “-”"), quoted);
      return FALSE;
    }
  if (!is_token (label, NULL, 64))
    {
      g_set_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL,
                   _("%s is not a valid VM name: use only letters A–Z and a–z, digits, “.”, “_” and “-”"),
                   quoted);
      return FALSE;
    }
  return TRUE;
}

gboolean
hg_mac_is_valid (const char *mac)
{
  guint first;
  gboolean all_zero = TRUE;

  if (mac == NULL || strlen (mac) != 17)
    return FALSE;
  for (guint i = 0; i < 17; i++)
    {
      if (i % 3 == 2)
        {
          if (mac[i] != ':')
            return FALSE;
        }
      else if (!g_ascii_isxdigit (mac[i]))
        return FALSE;
      else if (mac[i] != '0')
        all_zero = FALSE;
    }
  first = (guint) (g_ascii_xdigit_value (mac[0]) << 4 | g_ascii_xdigit_value (mac[1]));
  return !all_zero && (first & 1) == 0;
}

char *
hg_mac_generate (void)
{
  return g_strdup_printf ("52:54:00:%02x:%02x:%02x",
                          (guint) g_random_int_range (0, 256),
                          (guint) g_random_int_range (0, 256),
                          (guint) g_random_int_range (0, 256));
}

/* A name-based (version 5 style) UUID, so that a config without one keeps
 * the same identity across loads until it is saved. */
char *
_hg_config_uuid_from_name (const char *name)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 d[20];
  gsize len = sizeof d;

  g_checksum_update (checksum, (const guchar *) "hangar-vm:", -1);
  g_checksum_update (checksum, (const guchar *) name, -1);
  g_checksum_get_digest (checksum, d, &len);
  d[6] = (d[6] & 0x0f) | 0x50;
  d[8] = (d[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7],
                          d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}

/* ------------------------------------------------------------------ */
/* Elements */

HgDisk *
hg_disk_new (const char *path,
             const char *format,
             const char *interface)
{
  HgDisk *disk = g_new0 (HgDisk, 1);

  disk->path = g_strdup (path);
  disk->format = g_strdup (format);
  disk->interface = g_strdup (interface);
  return disk;
}

void
hg_disk_free (HgDisk *disk)
{
  if (disk == NULL)
    return;
  g_free (disk->path);
  g_free (disk->format);
  g_free (disk->interface);
  g_free (disk->group);
  g_strfreev (disk->allow_backing);
  g_free (disk);
}

HgMedium *
hg_medium_new (HgMediumKind kind,
               const char  *path)
{
  HgMedium *medium = g_new0 (HgMedium, 1);

  medium->kind = kind;
  medium->path = g_strdup (path);
  medium->format = g_strdup ("raw");
  return medium;
}

void
hg_medium_free (HgMedium *medium)
{
  if (medium == NULL)
    return;
  g_free (medium->path);
  g_free (medium->format);
  g_free (medium->group);
  g_free (medium);
}

void
hg_host_fwd_free (HgHostFwd *fwd)
{
  if (fwd == NULL)
    return;
  g_free (fwd->proto);
  g_free (fwd->address);
  g_free (fwd->name);
  g_free (fwd);
}

gboolean
hg_host_fwd_address_is_valid (const char *address)
{
  g_auto(GStrv) parts = NULL;

  if (address == NULL)
    return FALSE;
  parts = g_strsplit (address, ".", -1);
  if (g_strv_length (parts) != 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      guint64 octet;

      if (parts[i][0] == '\0' || strlen (parts[i]) > 3 ||
          (parts[i][0] == '0' && parts[i][1] != '\0') ||
          !g_ascii_string_to_unsigned (parts[i], 10, 0, 255, &octet, NULL))
        return FALSE;
    }
  return TRUE;
}

gboolean
hg_host_fwd_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64 || !g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == ';' || c == ',' || c == '=' || c == '\\')
        return FALSE;
    }
  return TRUE;
}

char *
hg_host_fwd_to_string (const HgHostFwd *fwd)
{
  g_autoptr(GString) s = NULL;

  g_return_val_if_fail (fwd != NULL, NULL);

  s = g_string_new (fwd->proto);
  if (fwd->address != NULL)
    g_string_append_printf (s, ":%s", fwd->address);
  g_string_append_printf (s, ":%u-%u", fwd->host_port, fwd->guest_port);
  if (fwd->name != NULL && *fwd->name != '\0')
    g_string_append_printf (s, ",name=%s", fwd->name);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static const char *
fwd_address (const HgHostFwd *fwd)
{
  return fwd->address != NULL ? fwd->address : HG_HOST_FWD_DEFAULT_ADDRESS;
}

gboolean
hg_host_fwd_conflicts (const HgHostFwd *a,
                       const HgHostFwd *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return a->host_port == b->host_port && g_strcmp0 (a->proto, b->proto) == 0 &&
         (g_str_equal (fwd_address (a), fwd_address (b)) ||
          g_str_equal (fwd_address (a), "0.0.0.0") || g_str_equal (fwd_address (b), "0.0.0.0"));
}

HgHostFwd *
hg_host_fwd_copy (const HgHostFwd *fwd)
{
  HgHostFwd *copy;

  g_return_val_if_fail (fwd != NULL, NULL);

  copy = g_new0 (HgHostFwd, 1);
  copy->proto = g_strdup (fwd->proto);
  copy->address = g_strdup (fwd->address);
  copy->host_port = fwd->host_port;
  copy->guest_port = fwd->guest_port;
  copy->name = g_strdup (fwd->name);
  return copy;
}

HgNic *
hg_nic_new (HgNetMode mode)
{
  HgNic *nic = g_new0 (HgNic, 1);

  nic->mode = mode;
  nic->mac = hg_mac_generate ();
  if (mode == HG_NET_VDE)
    nic->switch_name = g_strdup ("default");
  nic->hostfwd = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_host_fwd_free);
  return nic;
}

void
hg_nic_free (HgNic *nic)
{
  if (nic == NULL)
    return;
  g_free (nic->switch_name);
  g_free (nic->tap);
  g_free (nic->mac);
  g_free (nic->model);
  g_clear_pointer (&nic->hostfwd, g_ptr_array_unref);
  g_free (nic->tftp);
  g_free (nic->bootfile);
  g_free (nic->group);
  g_free (nic);
}

HgShare *
hg_share_new (const char *path,
              const char *tag)
{
  HgShare *share = g_new0 (HgShare, 1);

  share->path = g_strdup (path);
  share->tag = g_strdup (tag);
  return share;
}

void
hg_share_free (HgShare *share)
{
  if (share == NULL)
    return;
  g_free (share->path);
  g_free (share->tag);
  g_free (share->group);
  g_free (share);
}

static const char *const share_transports[] = { "auto", "virtiofs", "9p", NULL };

const char *
hg_share_transport_to_string (HgShareTransport transport)
{
  return (guint) transport < G_N_ELEMENTS (share_transports) - 1 ? share_transports[transport] : NULL;
}

gboolean
hg_share_transport_from_string (const char       *str,
                                HgShareTransport *out)
{
  for (guint i = 0; str != NULL && share_transports[i] != NULL; i++)
    if (strcmp (str, share_transports[i]) == 0)
      {
        *out = (HgShareTransport) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
hg_share_tag_is_valid (const char *tag)
{
  return is_token (tag, NULL, 36);
}

/* ------------------------------------------------------------------ */
/* The config object */

static const char *
default_arch (void)
{
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__i386__)
  return "i386";
#elif defined(__aarch64__)
  return "aarch64";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__)
  return "ppc64";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "x86_64";
#endif
}

HgVmConfig *
_hg_vm_config_alloc (void)
{
  HgVmConfig *self = g_new0 (HgVmConfig, 1);

  self->ref_count = 1;
  self->accel = HG_ACCEL_AUTO;
  self->memory_mib = 512;
  self->cpus = 1;
  self->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_free);
  self->media = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_medium_free);
  self->nics = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_nic_free);
  self->shares = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_share_free);
  self->boot_mode = HG_BOOT_DISK;
  self->console = HG_CONSOLE_VNC;
  self->serial = TRUE;
  return self;
}

HgVmConfig *
hg_vm_config_new (const char *label)
{
  HgVmConfig *self = _hg_vm_config_alloc ();

  self->label = g_strdup (label);
  self->uuid = g_uuid_string_random ();
  self->arch = g_strdup (default_arch ());
  return self;
}

GKeyFile *
hg_vm_config_get_keyfile (HgVmConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->keyfile == NULL)
    {
      self->keyfile = g_key_file_new ();
      /* the text passed every check when it was loaded */
      if (self->original != NULL &&
          !g_key_file_load_from_data (self->keyfile, self->original, (gsize) -1,
                                      G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS,
                                      NULL))
        g_warn_if_reached ();
      g_clear_pointer (&self->original, g_free);
    }
  return self->keyfile;
}

HgVmConfig *
hg_vm_config_ref (HgVmConfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->ref_count > 0, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
hg_vm_config_unref (HgVmConfig *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->ref_count > 0);

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  g_clear_pointer (&self->keyfile, g_key_file_unref);
  g_free (self->original);
  g_free (self->path);
  g_free (self->dir);
  g_free (self->source);
  g_free (self->label);
  g_free (self->uuid);
  g_free (self->arch);
  g_free (self->machine);
  g_free (self->cpu_model);
  g_free (self->vga);
  g_free (self->os_id);
  g_free (self->os_name);
  g_free (self->os_version);
  g_free (self->os_family);
  g_clear_pointer (&self->disks, g_ptr_array_unref);
  g_clear_pointer (&self->media, g_ptr_array_unref);
  g_clear_pointer (&self->nics, g_ptr_array_unref);
  g_clear_pointer (&self->shares, g_ptr_array_unref);
  g_free (self->kernel);
  g_free (self->initrd);
  g_free (self->append);
  g_free (self->dtb);
  g_free (self->keymap);
  g_free (self);
}

void
hg_vm_config_set_location (HgVmConfig *self,
                           const char *dir)
{
  g_autofree char *name = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (dir != NULL);
  g_return_if_fail (self->label != NULL);

  g_free (self->dir);
  self->dir = g_canonicalize_filename (dir, NULL);
  name = g_strconcat (self->label, HG_CONFIG_SUFFIX, NULL);
  g_free (self->path);
  self->path = g_build_filename (self->dir, name, NULL);
}

HgMedium *
hg_vm_config_get_medium (HgVmConfig  *self,
                         HgMediumKind kind)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->media->len; i++)
    {
      HgMedium *medium = g_ptr_array_index (self->media, i);

      if (medium->kind == kind)
        return medium;
    }
  return NULL;
}

char *
hg_vm_config_resolve_path (HgVmConfig *self,
                           const char *path)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (path == NULL || *path == '\0')
    return NULL;
  if (g_path_is_absolute (path))
    return g_strdup (path);
  return g_canonicalize_filename (path, self->dir);
}

/* ------------------------------------------------------------------ */
/* Validation */

typedef struct {
  HgVmConfig  *self;
  const char  *source;
  GError     **error;
} Check;

static gboolean
check_string (Check      *c,
              const char *group,
              const char *key,
              const char *value)
{
  const char *problem;

  if (value == NULL)
    return TRUE;
  problem = _hg_config_check_text (value, TRUE);
  if (problem != NULL)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, key, "%s",
                            problem);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_token (Check      *c,
             const char *group,
             const char *key,
             const char *value,
             const char *extra,
             gsize       max_len,
             const char *what)
{
  g_autofree char *quoted = NULL;

  if (value == NULL || is_token (value, extra, max_len))
    return TRUE;
  quoted = _hg_config_quote_value (value);
  _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, key,
             _("%s is not %s (1–%lu of letters, digits, “.”, “_”, “-”%s%s%s, not starting with “.” or “-”)"),
             quoted, what, (unsigned long) max_len, extra ? ", “" : "", extra ? extra : "", extra ? "”" : "");
  return FALSE;
}

static gboolean
check_one_of (Check             *c,
              const char        *group,
              const char        *key,
              const char        *value,
              const char *const *allowed,
              const char        *what)
{
  g_autofree char *quoted = NULL;
  g_autofree char *list = NULL;

  if (value == NULL || _hg_config_strv_has (allowed, value))
    return TRUE;
  quoted = _hg_config_quote_value (value);
  list = strv_join (allowed);
  _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, key,
             _("%s is not %s (%s)"), quoted, what, list);
  return FALSE;
}

/* The machine and CPU against what the installed emulator offers.  This
 * check is synchronous and may run on the GUI thread: it reads the cached
 * capabilities only (hg_qemu_caps_lookup_cached()) and never starts QEMU.
 * When nothing is cached yet (the probe has not run, or the emulator is not
 * installed) the value is accepted; QEMU itself then refuses a wrong one at
 * start, with its own message. */
static gboolean
check_offered (Check            *c,
               const HgVmConfig *self)
{
  g_autoptr(HgQemuCaps) qemu = NULL;
  g_autofree char *quoted = NULL;

  if ((self->machine == NULL || *self->machine == '\0') &&
      (self->cpu_model == NULL || *self->cpu_model == '\0'))
    return TRUE;
  qemu = hg_qemu_caps_lookup_cached (self->arch);
  if (qemu == NULL)
    return TRUE;

  if (self->machine != NULL && *self->machine != '\0' &&
      hg_qemu_caps_find_machine (qemu, self->machine) == NULL)
    {
      g_autofree char *valid = hg_qemu_caps_describe_machines (qemu, 8);

      quoted = _hg_config_quote_value (self->machine);
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, "machine",
                            "machine",
                            _("%s is not a machine of the installed qemu-system-%s (%s)"),
                            quoted, self->arch, valid);
      return FALSE;
    }
  if (self->cpu_model != NULL && *self->cpu_model != '\0' &&
      !hg_qemu_caps_has_cpu (qemu, self->cpu_model))
    {
      quoted = _hg_config_quote_value (self->cpu_model);
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, "machine", "cpu",
                            _("%s is not a CPU model of the installed qemu-system-%s "
                              "(“qemu-system-%s -cpu help” lists them)"),
                            quoted, self->arch, self->arch);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_path (Check      *c,
            const char *group,
            const char *key,
            const char *value,
            gboolean    required)
{
  if (value == NULL || *value == '\0')
    {
      if (!required)
        return TRUE;
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_MISSING_KEY, c->source, group, key,
                 _("a path is required"));
      return FALSE;
    }
  return check_string (c, group, key, value);
}

/* [disk:N] allow-backing: absolute paths, each a file or a folder, never
 * the whole file system */
static gboolean
check_allow_backing (Check              *c,
                     const char         *group,
                     const char * const *allow)
{
  for (guint i = 0; allow != NULL && allow[i] != NULL; i++)
    {
      g_autofree char *quoted = _hg_config_quote_value (allow[i]);
      g_autofree char *canon = NULL;

      if (!check_string (c, group, "allow-backing", allow[i]))
        return FALSE;
      if (!g_path_is_absolute (allow[i]))
        {
          _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group,
                                "allow-backing",
                     _("%s is not an absolute path (a backing file or a folder of them)"), quoted);
          return FALSE;
        }
      canon = g_canonicalize_filename (allow[i], NULL);
      if (g_str_equal (canon, "/"))
        {
          _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group,
                                "allow-backing",
                     _("%s would allow every file of the host; name the backing file or its folder"),
                     quoted);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
element_group (const char *group,
               const char *prefix,
               guint       index)
{
  if (group != NULL)
    return g_strdup (group);
  return g_strdup_printf ("%s:%u", prefix, index);
}

static gboolean
check_machine (Check *c)
{
  HgVmConfig *self = c->self;
  g_autoptr(GError) local = NULL;
  g_autofree char *quoted = NULL;

  if (self->label == NULL)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_MISSING_KEY, c->source, "machine", "label",
                 _("the key is missing (every VM needs a label)"));
      return FALSE;
    }
  if (!hg_label_is_valid (self->label, &local))
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_LABEL, c->source, "machine", "label",
                 "%s", local->message);
      return FALSE;
    }
  if (self->path != NULL)
    {
      g_autofree char *base = g_path_get_basename (self->path);
      g_autofree char *expected = g_strconcat (self->label, HG_CONFIG_SUFFIX, NULL);

      if (strcmp (base, expected) != 0)
        {
          quoted = _hg_config_quote_value (self->label);
          _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_LABEL, c->source, "machine",
                                "label",
                     _("%s does not match the file name “%s”: a VM’s config file is named <label>%s"),
                     quoted, base, HG_CONFIG_SUFFIX);
          return FALSE;
        }
    }

  if (self->uuid == NULL)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_MISSING_KEY, c->source, "machine", "uuid",
                 _("the key is missing"));
      return FALSE;
    }
  if (!g_uuid_string_is_valid (self->uuid))
    {
      quoted = _hg_config_quote_value (self->uuid);
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, "machine", "uuid",
                 _("%s is not a UUID (like 6b8d2c1e-6f1a-4f43-9a55-2d0c3b1e7f20)"), quoted);
      return FALSE;
    }

  if (self->arch == NULL)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_MISSING_KEY, c->source, "machine", "arch",
                 _("the key is missing (every VM needs an architecture)"));
      return FALSE;
    }
  if (!check_one_of (c, "machine", "arch", self->arch, hg_host_known_arches (),
                     _("a known architecture")))
    return FALSE;

  if (!check_token (c, "machine", "machine", self->machine, NULL, 64, _("a QEMU machine type")) ||
      !check_token (c, "machine", "cpu", self->cpu_model, "+", 64, _("a QEMU CPU model")) ||
      !check_offered (c, self))
    return FALSE;

  if (hg_accel_to_string (self->accel) == NULL)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, "machine", "accel",
                 _("%d is not an accelerator (auto, kvm or tcg)"), (int) self->accel);
      return FALSE;
    }
  if (hg_firmware_kind_to_string (self->firmware) == NULL)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, "machine",
                            "firmware",
                 _("%d is not a firmware (bios, uefi or uefi-secure)"), (int) self->firmware);
      return FALSE;
    }
  if (self->memory_mib < 1 || self->memory_mib > HG_CONFIG_MAX_MEMORY_MIB)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, "machine", "memory",
                 _("“%u” is not a number of MiB (1–%u)"), self->memory_mib, HG_CONFIG_MAX_MEMORY_MIB);
      return FALSE;
    }
  if (self->cpus < 1 || self->cpus > HG_CONFIG_MAX_CPUS)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, "machine", "cpus",
                 _("“%u” is not a number of CPUs (1–%u)"), self->cpus, HG_CONFIG_MAX_CPUS);
      return FALSE;
    }
  return check_one_of (c, "machine", "vga", self->vga, vga_types, _("a display adapter"));
}

static gboolean
check_nic (Check  *c,
           HgNic  *nic,
           guint   index)
{
  g_autofree char *group = element_group (nic->group, "net", index);
  g_autofree char *quoted = NULL;

  if (hg_net_mode_to_string (nic->mode) == NULL)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, "mode",
                 _("%d is not a network mode (none, user, vde or tap)"), (int) nic->mode);
      return FALSE;
    }
  if (!check_token (c, group, "switch", nic->switch_name, NULL, 64, _("a switch name")) ||
      !check_token (c, group, "tap", nic->tap, NULL, 15, _("a network interface name")) ||
      !check_token (c, group, "model", nic->model, NULL, 64, _("a NIC model")))
    return FALSE;
  if (nic->mac != NULL && !hg_mac_is_valid (nic->mac))
    {
      quoted = _hg_config_quote_value (nic->mac);
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, "mac",
                 _("%s is not a MAC address (six hex bytes like 52:54:00:12:34:56, unicast, not all zero)"),
                 quoted);
      return FALSE;
    }
  for (guint i = 0; i < index && nic->mac != NULL; i++)
    {
      HgNic *other = g_ptr_array_index (c->self->nics, i);

      if (other->mac != NULL && g_ascii_strcasecmp (other->mac, nic->mac) == 0)
        {
          g_autofree char *other_group = element_group (other->group, "net", i);

          _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, "mac",
                     _("%s is already the MAC address of [%s]"), nic->mac, other_group);
          return FALSE;
        }
    }
  for (guint i = 0; nic->hostfwd != NULL && i < nic->hostfwd->len; i++)
    {
      HgHostFwd *fwd = g_ptr_array_index (nic->hostfwd, i);

      if (fwd == NULL ||
          (g_strcmp0 (fwd->proto, "tcp") != 0 && g_strcmp0 (fwd->proto, "udp") != 0) ||
          fwd->host_port == 0 || fwd->guest_port == 0 ||
          (fwd->address != NULL && !hg_host_fwd_address_is_valid (fwd->address)) ||
          (fwd->name != NULL && !hg_host_fwd_name_is_valid (fwd->name)))
        {
          _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group,
                                "hostfwd",
                     _("forward %u is not tcp|udp:[ADDRESS:]HOSTPORT-GUESTPORT[,name=NAME] with ports 1–65535"), i + 1);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        {
          HgHostFwd *other = g_ptr_array_index (nic->hostfwd, j);

          if (other != NULL && hg_host_fwd_conflicts (other, fwd))
            {
              _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group,
                                    "hostfwd",
                         _("host port %u/%s is forwarded twice"), fwd->host_port, fwd->proto);
              return FALSE;
            }
        }
    }
  return check_path (c, group, "tftp", nic->tftp, FALSE) &&
         check_string (c, group, "bootfile", nic->bootfile);
}

static gboolean
check_share (Check   *c,
             HgShare *share,
             guint    index)
{
  g_autofree char *group = element_group (share->group, "share", index);
  g_autofree char *canon = NULL;

  if (!check_path (c, group, "path", share->path, TRUE))
    return FALSE;
  canon = g_canonicalize_filename (share->path, c->self->dir != NULL ? c->self->dir : "/");
  if (g_str_equal (canon, "/"))
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, "path",
                           _("the whole file system (/) is never shared; pick a folder"));
      return FALSE;
    }
  if (share->tag == NULL || *share->tag == '\0')
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_MISSING_KEY, c->source, group, "tag",
                           _("a mount tag is required (1–36 of letters, digits, “.”, “_”, “-”)"));
      return FALSE;
    }
  if (!check_token (c, group, "tag", share->tag, NULL, 36, _("a mount tag")))
    return FALSE;
  for (guint i = 0; i < index; i++)
    {
      HgShare *other = g_ptr_array_index (c->self->shares, i);

      if (g_strcmp0 (other->tag, share->tag) == 0)
        {
          g_autofree char *other_group = element_group (other->group, "share", i);

          _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, "tag",
                               _("“%s” is already the mount tag of [%s]"), share->tag, other_group);
          return FALSE;
        }
    }
  if (hg_share_transport_to_string (share->transport) == NULL)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, "transport",
                           _("%d is not a transport (auto, virtiofs or 9p)"), (int) share->transport);
      return FALSE;
    }
  if (share->readonly && share->transport == HG_SHARE_VIRTIOFS)
    {
      _hg_config_set_error (c->error, HG_CONFIG_ERROR_INVALID_VALUE, c->source, group, "transport",
                           _("virtiofs cannot share read-only (QEMU's virtiofsd has no such "
                             "option): use transport=9p or auto for a read-only share"));
      return FALSE;
    }
  return TRUE;
}

gboolean
hg_vm_config_validate (HgVmConfig  *self,
                       GError     **error)
{
  Check c = { self, NULL, error };
  guint per_kind[3] = { 0, 0, 0 };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  c.source = _hg_vm_config_display_name (self);

  if (!check_machine (&c))
    return FALSE;

  if (!check_string (&c, "guest", "os-id", self->os_id) ||
      !check_string (&c, "guest", "name", self->os_name) ||
      !check_string (&c, "guest", "version", self->os_version) ||
      !check_string (&c, "guest", "family", self->os_family))
    return FALSE;

  for (guint i = 0; i < self->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (self->disks, i);
      g_autofree char *group = element_group (disk->group, "disk", i);

      if (!check_path (&c, group, "path", disk->path, TRUE))
        return FALSE;
      if (disk->format == NULL || *disk->format == '\0')
        {
          g_autofree char *list = strv_join (disk_formats);

          _hg_config_set_error (error, HG_CONFIG_ERROR_MISSING_KEY, c.source, group, "format",
                     _("every disk needs an explicit format (%s)"), list);
          return FALSE;
        }
      if (!check_one_of (&c, group, "format", disk->format, disk_formats, _("a disk image format")) ||
          !check_one_of (&c, group, "interface", disk->interface, disk_interfaces, _("a disk interface")) ||
          !check_allow_backing (&c, group, (const char * const *) disk->allow_backing))
        return FALSE;
    }

  for (guint i = 0; i < self->media->len; i++)
    {
      HgMedium *medium = g_ptr_array_index (self->media, i);
      const char *prefix = hg_medium_kind_to_string (medium->kind);
      g_autofree char *group = NULL;

      if (prefix == NULL)
        {
          _hg_config_set_error (error, HG_CONFIG_ERROR_INVALID_VALUE, c.source, NULL, NULL,
                     _("medium %u has an unknown kind %d"), i, (int) medium->kind);
          return FALSE;
        }
      group = element_group (medium->group, prefix, per_kind[medium->kind]++);
      if (!check_path (&c, group, "path", medium->path, medium->kind == HG_MEDIUM_USB) ||
          !check_one_of (&c, group, "format", medium->format, disk_formats, _("a disk image format")))
        return FALSE;
    }

  if (hg_boot_mode_to_string (self->boot_mode) == NULL)
    {
      _hg_config_set_error (error, HG_CONFIG_ERROR_INVALID_VALUE, c.source, "boot", "mode",
                 _("%d is not a boot mode (disk, cdrom, pxe, kernel, floppy or usb)"), (int) self->boot_mode);
      return FALSE;
    }
  if (!check_path (&c, "boot", "kernel", self->kernel, FALSE) ||
      !check_path (&c, "boot", "initrd", self->initrd, FALSE) ||
      !check_path (&c, "boot", "dtb", self->dtb, FALSE) ||
      !check_string (&c, "boot", "append", self->append))
    return FALSE;

  for (guint i = 0; i < self->nics->len; i++)
    if (!check_nic (&c, g_ptr_array_index (self->nics, i), i))
      return FALSE;
  for (guint i = 0; self->shares != NULL && i < self->shares->len; i++)
    if (!check_share (&c, g_ptr_array_index (self->shares, i), i))
      return FALSE;

  if (hg_console_to_string (self->console) == NULL)
    {
      _hg_config_set_error (error, HG_CONFIG_ERROR_INVALID_VALUE, c.source, "display", "console",
                 _("%d is not a console (vnc, sdl, serial or none)"), (int) self->console);
      return FALSE;
    }
  return check_token (&c, "display", "keymap", self->keymap, NULL, 16, _("a keyboard layout"));
}

/* ------------------------------------------------------------------ */
/* Group names and numbers, shared by load and save */

gboolean
_hg_config_parse_decimal (const char *str,
               guint64     max,
               guint64    *out)
{
  guint64 value = 0;

  if (str == NULL || *str == '\0' || strlen (str) > 20)
    return FALSE;
  for (const char *p = str; *p; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      value = value * 10 + (guint64) (*p - '0');
      if (value > max)
        return FALSE;
    }
  *out = value;
  return TRUE;
}


const char *const _hg_config_kind_prefix[N_KINDS] = { "disk", "cdrom", "floppy", "usb", "net", "share" };

gboolean
_hg_config_parse_indexed_group (const char  *group,
                     HgConfigIndexedKind *kind,
                     guint       *index,
                     gboolean    *canonical)
{
  for (guint k = 0; k < N_KINDS; k++)
    {
      gsize len = strlen (_hg_config_kind_prefix[k]);
      guint64 n;

      if (strncmp (group, _hg_config_kind_prefix[k],
                   len) != 0 || (group[len] != ':' && group[len] != '\0'))
        continue;
      *kind = (HgConfigIndexedKind) k;
      *canonical = group[len] == ':' &&
                   _hg_config_parse_decimal (group + len + 1, MAX_INDEX, &n) &&
                   (group[len + 1] != '0' || group[len + 2] == '\0');
      *index = *canonical ? (guint) n : 0;
      return TRUE;
    }
  return FALSE;
}
