/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-image"
#include "config.h"

#include <string.h>
#include <zlib.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "hg-image.h"

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

gboolean
hg_image_is_png (const guint8 *data,
                 gsize         length)
{
  return length >= sizeof png_signature && memcmp (data, png_signature, sizeof png_signature) == 0;
}

/* Reads one header number of a PPM, skipping white space and comments. */
static gboolean
ppm_number (const guint8 *p,
            gsize         len,
            gsize        *pos,
            guint        *out)
{
  guint64 v = 0;
  gboolean any = FALSE;

  for (;;)
    {
      while (*pos < len && g_ascii_isspace (p[*pos]))
        (*pos)++;
      if (*pos < len && p[*pos] == '#')
        {
          while (*pos < len && p[*pos] != '\n')
            (*pos)++;
          continue;
        }
      break;
    }
  while (*pos < len && g_ascii_isdigit (p[*pos]))
    {
      v = v * 10 + (p[*pos] - '0');
      if (v > 65535)
        return FALSE;
      any = TRUE;
      (*pos)++;
    }
  *out = (guint) v;
  return any;
}

static void
put_be32 (GByteArray *out,
          guint32     v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (out, b, 4);
}

static void
put_chunk (GByteArray   *out,
           const char   *type,
           const guint8 *data,
           gsize         len)
{
  uLong crc = crc32 (0, (const Bytef *) type, 4);

  if (len > 0)
    crc = crc32 (crc, data, (uInt) len);
  put_be32 (out, (guint32) len);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
  put_be32 (out, (guint32) crc);
}

GBytes *
hg_image_ppm_to_png (const guint8  *ppm,
                     gsize          length,
                     GError       **error)
{
  g_autofree guint8 *raw = NULL;
  g_autofree guint8 *packed = NULL;
  GByteArray *out;
  guint width, height, maxval;
  gsize pos = 2, row, raw_len;
  uLongf packed_len;
  guint8 ihdr[13];

  g_return_val_if_fail (ppm != NULL || length == 0, NULL);

  if (length < 2 || ppm[0] != 'P' || ppm[1] != '6')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Screen dump is not a binary PPM (P6)"));
      return NULL;
    }
  if (!ppm_number (ppm, length, &pos, &width) || !ppm_number (ppm, length, &pos, &height) ||
      !ppm_number (ppm, length, &pos, &maxval) || pos >= length || !g_ascii_isspace (ppm[pos]))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Screen dump has a malformed PPM header"));
      return NULL;
    }
  pos++;
  if (width == 0 || height == 0 || maxval != 255)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Screen dump has an unsupported PPM size or depth (%ux%u, maxval %u)"),
                   width, height, maxval);
      return NULL;
    }
  row = (gsize) width * 3;
  if (length - pos < row * height)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Screen dump is truncated (%lu of %lu bytes of pixels)"),
                   (unsigned long) (length - pos), (unsigned long) (row * height));
      return NULL;
    }

  /* each scanline: filter type 0 + RGB */
  raw_len = (row + 1) * height;
  raw = g_malloc (raw_len);
  for (gsize y = 0; y < height; y++)
    {
      raw[y * (row + 1)] = 0;
      memcpy (raw + y * (row + 1) + 1, ppm + pos + y * row, row);
    }
  packed_len = compressBound (raw_len);
  packed = g_malloc (packed_len);
  if (compress2 (packed, &packed_len, raw, raw_len, 6) != Z_OK)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot compress the screen dump"));
      return NULL;
    }

  out = g_byte_array_new ();
  g_byte_array_append (out, png_signature, sizeof png_signature);
  ihdr[0] = width >> 24; ihdr[1] = width >> 16; ihdr[2] = width >> 8; ihdr[3] = width;
  ihdr[4] = height >> 24; ihdr[5] = height >> 16; ihdr[6] = height >> 8; ihdr[7] = height;
  ihdr[8] = 8;   /* bit depth */
  ihdr[9] = 2;   /* colour type: RGB */
  ihdr[10] = 0;  /* deflate */
  ihdr[11] = 0;  /* adaptive filtering */
  ihdr[12] = 0;  /* no interlace */
  put_chunk (out, "IHDR", ihdr, sizeof ihdr);
  put_chunk (out, "IDAT", packed, packed_len);
  put_chunk (out, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (out);
}
