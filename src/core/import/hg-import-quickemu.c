/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-import"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "hg-import-private.h"

/* quickemu .conf files: shell-like KEY="value" and KEY=("a" "b") lines,
 * parsed here and never sourced.  Paths are relative to the file's
 * folder (quickemu runs from there) and must stay inside it. */

/* one quoted or bare word at *p; NULL (error set) on an open quote */
static char *
lex_word (HgImport     *self,
          guint         line,
          const char  **p,
          GError      **error)
{
  GString *out = g_string_new (NULL);
  const char *s = *p;

  while (*s != '\0' && !g_ascii_isspace (*s) && *s != ')')
    {
      if (*s == '"' || *s == '\'')
        {
          char q = *s++;

          while (*s != '\0' && *s != q)
            {
              if (q == '"' && (*s == '$' || *s == '`'))
                goto expansion;
              if (q == '"' && *s == '\\' && s[1] != '\0')
                s++;
              g_string_append_c (out, *s++);
            }
          if (*s != q)
            {
              g_string_free (out, TRUE);
              g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                           _("%s:%u: unterminated %c quote"), self->display, line, q);
              return NULL;
            }
          s++;
        }
      else if (*s == '$' || *s == '`')
        {
        expansion:
          g_string_free (out, TRUE);
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: a shell expansion ($ or `); quickemu files are read, never "
                         "run"), self->display, line);
          return NULL;
        }
      else
        g_string_append_c (out, *s++);
    }
  *p = s;
  return g_string_free (out, FALSE);
}

static const char *
format_of (const char *path)
{
  static const char *const exts[][2] = {
    { ".qcow2", "qcow2" }, { ".raw", "raw" }, { ".img", "raw" }, { ".vmdk", "vmdk" },
    { ".vdi", "vdi" }, { ".vhdx", "vhdx" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (exts); i++)
    if (g_str_has_suffix (path, exts[i][0]))
      return exts[i][1];
  return NULL;
}

static gboolean
add_forward (HgImport   *self,
             HgNic      *nic,
             guint       line,
             const char *spec,
             GError    **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", -1);
  guint64 host = 0, guest = 0;
  HgHostFwd *fwd;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, 65535, &host, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, 65535, &guest, NULL))
    {
      g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                   _("%s:%u: port_forwards: “%s” is not HOSTPORT:GUESTPORT (1–65535)"),
                   self->display, line, spec);
      return FALSE;
    }
  fwd = g_new0 (HgHostFwd, 1);
  fwd->proto = g_strdup ("tcp");
  fwd->host_port = (guint16) host;
  fwd->guest_port = (guint16) guest;
  g_ptr_array_add (nic->hostfwd, fwd);
  return TRUE;
}

gboolean
_hg_import_quickemu (HgImport   *self,
                     const char *data,
                     gsize       len,
                     GError    **error)
{
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
  HgVmConfig *cfg = self->config;
  HgNic *nic = hg_nic_new (HG_NET_USER);

  /* quickemu's guests always have one user-mode NIC */
  g_ptr_array_add (cfg->nics, nic);
  if (nic->hostfwd == NULL)
    nic->hostfwd = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_host_fwd_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint line = i + 1;
      const char *p = lines[i];
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;
      g_autoptr(GPtrArray) list = NULL;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0' || *p == '#')
        continue;
      {
        const char *k = p;

        while (g_ascii_isalnum (*p) || *p == '_')
          p++;
        if (p == k || *p != '=')
          {
            g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                         _("%s:%u: not a KEY=\"value\" line"), self->display, line);
            return FALSE;
          }
        key = g_strndup (k, p - k);
        p++;
      }
      if (*p == '(')
        {
          p++;
          list = g_ptr_array_new_with_free_func (g_free);
          for (;;)
            {
              char *word;

              while (*p == ' ' || *p == '\t')
                p++;
              if (*p == ')')
                {
                  p++;
                  break;
                }
              if (*p == '\0' || *p == '\r')
                {
                  g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                               _("%s:%u: %s: the list is not closed with “)” on its line"),
                               self->display, line, key);
                  return FALSE;
                }
              word = lex_word (self, line, &p, error);
              if (word == NULL)
                return FALSE;
              g_ptr_array_add (list, word);
            }
          value = g_strdup ("(…)");
        }
      else
        {
          value = lex_word (self, line, &p, error);
          if (value == NULL)
            return FALSE;
        }
      while (g_ascii_isspace (*p))
        p++;
      if (*p != '\0' && *p != '#')
        {
          g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                       _("%s:%u: %s: unexpected text after the value"), self->display, line, key);
          return FALSE;
        }

      if (strcmp (key, "guest_os") == 0)
        {
          static const char *const families[][2] = {
            { "linux", "linux" }, { "windows", "windows" }, { "windows-server", "windows" },
            { "freebsd", "bsd" }, { "openbsd", "bsd" }, { "netbsd", "bsd" }, { "macos", "macos" },
            { "haiku", "haiku" }, { "solaris", "solaris" }, { "reactos", "windows" },
          };

          for (guint f = 0; f < G_N_ELEMENTS (families); f++)
            if (strcmp (value, families[f][0]) == 0)
              {
                g_free (cfg->os_family);
                cfg->os_family = g_strdup (families[f][1]);
              }
          if (cfg->os_family != NULL)
            _hg_import_took (self, line, key, value, _("guest family %s"), cfg->os_family);
          else
            _hg_import_skipped (self, line, key, value, _("a guest OS Hangar has no family for"));
        }
      else if (strcmp (key, "disk_img") == 0)
        {
          g_autofree char *abs = _hg_import_resolve (self, line, key, value, FALSE, error);
          const char *format;

          if (abs == NULL)
            return FALSE;
          format = format_of (abs);
          _hg_import_add_disk (self, abs, format ? format : "qcow2", "virtio");
          _hg_import_took (self, line, key, value, _("disk 0 (%s, virtio)"),
                           format ? format : "qcow2");
        }
      else if (strcmp (key, "iso") == 0 || strcmp (key, "fixed_iso") == 0)
        {
          g_autofree char *abs = _hg_import_resolve (self, line, key, value, FALSE, error);

          if (abs == NULL)
            return FALSE;
          g_ptr_array_add (cfg->media, hg_medium_new (HG_MEDIUM_CDROM, abs));
          _hg_import_took (self, line, key, value, "%s", _("a CD drive with this image"));
        }
      else if (strcmp (key, "ram") == 0)
        {
          guint64 bytes = 0;

          if (!hg_size_parse (value, &bytes, NULL) || bytes < 1024 * 1024 ||
              bytes / (1024 * 1024) > HG_CONFIG_MAX_MEMORY_MIB)
            {
              g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                           _("%s:%u: ram: “%s” is not a memory size (e.g. 4G)"),
                           self->display, line, value);
              return FALSE;
            }
          cfg->memory_mib = (guint) (bytes / (1024 * 1024));
          _hg_import_took (self, line, key, value, _("%u MiB"), cfg->memory_mib);
        }
      else if (strcmp (key, "cpu_cores") == 0)
        {
          guint64 n = 0;

          if (!g_ascii_string_to_unsigned (value, 10, 1, HG_CONFIG_MAX_CPUS, &n, NULL))
            {
              g_set_error (error, HG_IMPORT_ERROR, HG_IMPORT_ERROR_PARSE,
                           _("%s:%u: cpu_cores: “%s” is not a number of CPUs"),
                           self->display, line, value);
              return FALSE;
            }
          cfg->cpus = (guint) n;
          _hg_import_took (self, line, key, value, _("%u CPU(s)"), cfg->cpus);
        }
      else if (strcmp (key, "port_forwards") == 0 && list != NULL)
        {
          for (guint w = 0; w < list->len; w++)
            if (!add_forward (self, nic, line, g_ptr_array_index (list, w), error))
              return FALSE;
          _hg_import_took (self, line, key, NULL, _("%u TCP port forward(s) of the user-mode "
                                                    "NIC (on 127.0.0.1)"), list->len);
        }
      else if (strcmp (key, "tpm") == 0 || strcmp (key, "secureboot") == 0)
        {
          if (g_ascii_strcasecmp (value, "on") == 0)
            _hg_import_skipped (self, line, key, value, "%s",
                                strcmp (key, "tpm") == 0
                                ? _("a TPM: not taken over, Hangar has none")
                                : _("Secure Boot: not taken over, this Hangar has no firmware "
                                    "setting (BIOS)"));
        }
      else
        _hg_import_skipped (self, line, key, value,
                            _("a quickemu setting Hangar has no place for"));
    }

  if (cfg->disks->len > 0)
    cfg->boot_mode = HG_BOOT_DISK;
  else if (cfg->media->len > 0)
    cfg->boot_mode = HG_BOOT_CDROM;
  /* quickemu names the VM after its file */
  g_free (cfg->label);
  cfg->label = NULL;
  return TRUE;
}
