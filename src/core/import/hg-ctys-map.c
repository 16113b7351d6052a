/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "hg-ctys-map-private.h"

/* Mapping of ctys variables to an HgVmConfig.
 *
 * Where things go that HgVmConfig has no field for:
 *   IP / IP0, NETMASK        -> [guest] ip, netmask
 *   OSREL / OSVERSION        -> [guest] os-release (the OS/kernel release,
 *                               when DIST/DISTREL name the distribution)
 *   unmapped variables       -> [ctys] NAME=value
 *   unmapped #@# metadata    -> [ctys] meta-NAME=value
 *   the source file          -> [ctys] imported-from
 */

/* ------------------------------------------------------------------------
 * The mapping: the label, the groups (hg-ctys-map-machine.c,
 * hg-ctys-map-devices.c), the unmapped rest
 * ------------------------------------------------------------------------ */

static char *
choose_label (HgCtysImport  *imp,
              GPtrArray     *notes,
              GError       **error)
{
  HgCtysVar *var = g_hash_table_lookup (imp->vars, "LABEL");
  HgCtysVar *meta = g_hash_table_lookup (imp->meta, "LABEL");
  g_autofree char *from_name = NULL;
  struct { const char *value; const char *what; HgCtysVar *var; } candidates[4] = {
    { imp->label_override, "label", NULL },
    { var ? var->value : NULL, "LABEL", var },
    { meta ? meta->value : NULL, "#@#LABEL", meta },
    { NULL, "file name", NULL },
  };

  if (imp->path != NULL)
    {
      from_name = g_path_get_basename (imp->path);
      if (g_str_has_suffix (from_name, ".ctys"))
        from_name[strlen (from_name) - strlen (".ctys")] = '\0';
      candidates[3].value = from_name;
    }

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autoptr(GError) local = NULL;

      if (candidates[i].value == NULL)
        continue;
      if (hg_label_is_valid (candidates[i].value, &local))
        {
          if (candidates[i].var != NULL)
            candidates[i].var->used = TRUE;
          return g_strdup (candidates[i].value);
        }
      if (candidates[i].var != NULL)
        {
          g_free (candidates[i].var->reason);
          candidates[i].var->reason = g_strdup (_("not a valid Hangar label"));
        }
      _hg_ctys_add_note (notes, HG_CTYS_NOTE_INFO,
                         candidates[i].var ? candidates[i].var->line : 0,
                         candidates[i].what, candidates[i].value,
                         _("not a valid Hangar label (1–64 of A–Z a–z 0–9 . _ -, "
                           "not starting with . or -)"));
    }

  g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_INVALID_LABEL,
               _("%s: no valid label in LABEL, #@#LABEL or the file name; "
                 "give one explicitly"), imp->display);
  return NULL;
}

/* Config values may not hold control characters: keep them as \n, \t, \xHH */
static char *
escape_controls (const char *value)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\t')
        g_string_append (out, "\\t");
      else if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\x%02x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Whatever was not taken over goes to the report and to [ctys]. */
static void
collect_unmapped (HgCtysMap *m)
{
  HgCtysImport *imp = m->imp;
  GKeyFile *kf = m->extra;

  if (imp->path != NULL)
    g_key_file_set_string (kf, GROUP_CTYS, "imported-from", imp->path);

  for (guint i = 0; i < imp->order->len; i++)
    {
      HgCtysVar *var = g_ptr_array_index (imp->order, i);

      if (var->used)
        continue;
      g_autofree char *kept = escape_controls (var->value);

      g_key_file_set_string (kf, GROUP_CTYS, var->name, kept);
      _hg_ctys_add_note (imp->map_notes, HG_CTYS_NOTE_UNMAPPED, var->line, var->name,
                         var->value, "%s",
                         var->reason ? var->reason : _("no Hangar setting for it"));
    }
  for (guint i = 0; i < imp->meta_order->len; i++)
    {
      HgCtysVar *var = g_ptr_array_index (imp->meta_order, i);
      g_autofree char *key = NULL;
      g_autofree char *shown = NULL;
      g_autofree char *kept = NULL;

      if (var->used)
        continue;
      key = g_strconcat ("meta-", var->name, NULL);
      shown = g_strconcat ("#@#", var->name, NULL);
      kept = escape_controls (var->value);
      g_key_file_set_string (kf, GROUP_CTYS, key, kept);
      _hg_ctys_add_note (imp->map_notes, HG_CTYS_NOTE_UNMAPPED, var->line, shown,
                         var->value, "%s",
                         var->reason ? var->reason : _("ctys metadata with no Hangar setting"));
    }
}

static gint
note_cmp (gconstpointer a,
          gconstpointer b)
{
  const HgCtysNote *na = *(HgCtysNote *const *) a;
  const HgCtysNote *nb = *(HgCtysNote *const *) b;

  return (na->line > nb->line) - (na->line < nb->line);
}

static void
rebuild_views (HgCtysImport *self)
{
  g_ptr_array_set_size (self->notes, 0);
  g_ptr_array_set_size (self->unmapped, 0);
  g_ptr_array_set_size (self->ignored, 0);
  g_ptr_array_set_size (self->unevaluated, 0);

  for (guint i = 0; i < self->parse_notes->len; i++)
    g_ptr_array_add (self->notes, g_ptr_array_index (self->parse_notes, i));
  for (guint i = 0; i < self->map_notes->len; i++)
    g_ptr_array_add (self->notes, g_ptr_array_index (self->map_notes, i));
  g_ptr_array_sort (self->notes, note_cmp);  /* stable: keeps equal lines in order */

  for (guint i = 0; i < self->notes->len; i++)
    {
      HgCtysNote *note = g_ptr_array_index (self->notes, i);

      switch (note->kind)
        {
        case HG_CTYS_NOTE_UNMAPPED:
          g_ptr_array_add (self->unmapped, note);
          break;
        case HG_CTYS_NOTE_IGNORED_LINE:
          g_ptr_array_add (self->ignored, note);
          break;
        case HG_CTYS_NOTE_UNEVALUATED:
          g_ptr_array_add (self->unevaluated, note);
          break;
        case HG_CTYS_NOTE_INFO:
        default:
          break;
        }
    }
}

void
_hg_ctys_import_ensure_mapped (HgCtysImport *self)
{
  g_autoptr(HgVmConfig) cfg = NULL;
  g_autoptr(GKeyFile) extra = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  HgCtysMap m = { self, NULL, extra };

  if (self->mapped)
    return;
  self->mapped = TRUE;

  g_ptr_array_set_size (self->map_notes, 0);
  g_clear_pointer (&self->config, hg_vm_config_unref);
  g_clear_error (&self->map_error);
  g_clear_pointer (&self->label, g_free);
  for (guint i = 0; i < self->order->len; i++)
    {
      HgCtysVar *var = g_ptr_array_index (self->order, i);

      var->used = FALSE;
      g_clear_pointer (&var->reason, g_free);
    }
  for (guint i = 0; i < self->meta_order->len; i++)
    ((HgCtysVar *) g_ptr_array_index (self->meta_order, i))->used = FALSE;

  self->label = choose_label (self, self->map_notes, &self->map_error);

  /* HgCtysMap even without a label, so that the report is complete. */
  cfg = hg_vm_config_new (self->label ? self->label : "imported");
  if (cfg->disks == NULL)
    cfg->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_disk_free);
  if (cfg->media == NULL)
    cfg->media = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_medium_free);
  if (cfg->nics == NULL)
    cfg->nics = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_nic_free);
  /* Only what the file says: no defaults of a new VM's devices */
  g_ptr_array_set_size (cfg->disks, 0);
  g_ptr_array_set_size (cfg->media, 0);
  g_ptr_array_set_size (cfg->nics, 0);
  _hg_ctys_map_set_str (&cfg->dir, self->dir);
  g_clear_pointer (&cfg->path, g_free);

  m.cfg = cfg;
  _hg_ctys_map_machine (&m);
  _hg_ctys_map_guest (&m);
  _hg_ctys_map_display (&m);
  _hg_ctys_map_network (&m);
  _hg_ctys_map_storage (&m);
  _hg_ctys_map_boot (&m);
  collect_unmapped (&m);

  /* Let the config lay out its own groups first, so that [machine] comes
   * first and [ctys] last in the written file. */
  g_free (hg_vm_config_to_data (cfg, NULL));
  groups = g_key_file_get_groups (extra, NULL);
  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (extra, groups[g], NULL, NULL);

      for (guint k = 0; keys[k] != NULL; k++)
        {
          g_autofree char *value = g_key_file_get_value (extra, groups[g], keys[k], NULL);

          g_key_file_set_value (hg_vm_config_get_keyfile (cfg), groups[g], keys[k], value);
        }
    }

  self->config = g_steal_pointer (&cfg);
  rebuild_views (self);
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

gboolean
hg_ctys_import_set_label (HgCtysImport  *self,
                          const char    *label,
                          GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (label != NULL, FALSE);

  if (!hg_label_is_valid (label, NULL))
    {
      g_set_error (error, HG_CTYS_ERROR, HG_CTYS_ERROR_INVALID_LABEL,
                   _("“%s” is not a valid label (1–64 of A–Z a–z 0–9 . _ -, "
                     "not starting with . or -)"), label);
      return FALSE;
    }
  g_free (self->label_override);
  self->label_override = g_strdup (label);
  self->mapped = FALSE;
  return TRUE;
}

void
hg_ctys_import_renew_uuid (HgCtysImport *self,
                           const char   *taken_by)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (taken_by != NULL);

  g_free (self->uuid_taken_by);
  self->uuid_taken_by = g_strdup (taken_by);
  self->mapped = FALSE;
}

const char *
hg_ctys_import_get_label (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  _hg_ctys_import_ensure_mapped (self);
  return self->label;
}

GPtrArray *
hg_ctys_import_get_notes (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  _hg_ctys_import_ensure_mapped (self);
  return self->notes;
}

GPtrArray *
hg_ctys_import_get_unmapped (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  _hg_ctys_import_ensure_mapped (self);
  return self->unmapped;
}

GPtrArray *
hg_ctys_import_get_ignored_lines (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  _hg_ctys_import_ensure_mapped (self);
  return self->ignored;
}

GPtrArray *
hg_ctys_import_get_unevaluated (HgCtysImport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  _hg_ctys_import_ensure_mapped (self);
  return self->unevaluated;
}

HgVmConfig *
hg_ctys_import_to_config (HgCtysImport  *self,
                          GError       **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _hg_ctys_import_ensure_mapped (self);
  if (self->map_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->map_error));
      return NULL;
    }
  return hg_vm_config_ref (self->config);
}
