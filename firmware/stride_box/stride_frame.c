/* stride sensor-box protocol v1: frame building. See stride_frame.h. */
#include "stride_frame.h"

#include <string.h>

uint16_t sf_crc16(const uint8_t *data, size_t n) {
    /* Bitwise: no 512-byte table, which matters on an ATmega328 with 2 KB of RAM. */
    uint16_t crc = 0xFFFF;
    size_t i;
    for (i = 0; i < n; i++) {
        uint8_t b;
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

size_t sf_cobs_encode(const uint8_t *in, size_t n, uint8_t *out) {
    size_t r = 0, w = 1, code_pos = 0;
    uint8_t code = 1;
    while (r < n) {
        if (in[r] == 0) {
            out[code_pos] = code;
            code = 1;
            code_pos = w++;
            r++;
        } else {
            out[w++] = in[r++];
            code++;
            if (code == 0xFF) {
                out[code_pos] = code;
                code = 1;
                code_pos = w++;
            }
        }
    }
    out[code_pos] = code;
    return w;
}

static void put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v & 0xFF);
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v & 0xFF);
    p[1] = (uint8_t)((v >> 8) & 0xFF);
    p[2] = (uint8_t)((v >> 16) & 0xFF);
    p[3] = (uint8_t)(v >> 24);
}

static void put_f32(uint8_t *p, float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    put_u32(p, bits);
}

size_t sf_build_frame(uint8_t *out, uint8_t type, uint16_t seq, uint32_t t_us,
                      const uint8_t *payload, size_t payload_len) {
    /* Build the raw frame at the end of `out`, then COBS-encode it to the front: the
       encoding never overtakes the input, so one buffer of SF_WIRE_SIZE bytes suffices. */
    size_t raw_len = SF_FRAME_SIZE(payload_len);
    size_t cap = SF_WIRE_SIZE(payload_len);
    uint8_t *raw = out + (cap - raw_len);
    uint16_t crc;
    size_t n;
    raw[0] = type;
    put_u16(raw + 1, seq);
    put_u32(raw + 3, t_us);
    if (payload_len) {
        memmove(raw + SF_HEADER, payload, payload_len);
    }
    crc = sf_crc16(raw, SF_HEADER + payload_len);
    put_u16(raw + SF_HEADER + payload_len, crc);
    n = sf_cobs_encode(raw, raw_len, out);
    out[n] = 0x00;
    return n + 1;
}

size_t sf_build_hello(uint8_t *out, uint16_t seq, uint32_t t_us, const sf_hello_t *h) {
    uint8_t p[19 + 7 * SF_MAX_CHANNELS];
    uint8_t i;
    if (h->n_channels < 1 || h->n_channels > SF_MAX_CHANNELS) {
        return 0;
    }
    p[0] = SF_PROTOCOL_VERSION;
    p[1] = h->fw_major;
    p[2] = h->fw_minor;
    memcpy(p + 3, h->device_id, 8);
    put_u16(p + 11, h->sample_rate_hz);
    p[13] = h->adc_bits;
    put_f32(p + 14, h->belt_counts_per_m);
    p[18] = h->n_channels;
    for (i = 0; i < h->n_channels; i++) {
        uint8_t *c = p + 19 + 7 * i;
        c[0] = h->channels[i].role;
        put_u16(c + 1, (uint16_t)h->channels[i].offset);
        put_f32(c + 3, h->channels[i].scale);
    }
    return sf_build_frame(out, SF_T_HELLO, seq, t_us, p, 19 + 7 * (size_t)h->n_channels);
}

size_t sf_build_samples(uint8_t *out, uint16_t seq, uint32_t t_us, uint16_t period_us,
                        uint8_t channels, uint8_t n, const int16_t *values) {
    /* The payload is written straight into the frame area of `out` to save RAM. */
    size_t count = (size_t)channels * n;
    size_t payload_len = 4 + 2 * count;
    size_t raw_len = SF_FRAME_SIZE(payload_len);
    size_t cap = SF_WIRE_SIZE(payload_len);
    uint8_t *raw = out + (cap - raw_len);
    uint8_t *p = raw + SF_HEADER;
    size_t i, w;
    uint16_t crc;
    if (channels < 1 || channels > SF_MAX_CHANNELS || n < 1 || n > SF_MAX_SAMPLES ||
        period_us == 0) {
        return 0;
    }
    raw[0] = SF_T_SAMPLES;
    put_u16(raw + 1, seq);
    put_u32(raw + 3, t_us);
    p[0] = channels;
    p[1] = n;
    put_u16(p + 2, period_us);
    for (i = 0; i < count; i++) {
        put_u16(p + 4 + 2 * i, (uint16_t)values[i]);
    }
    crc = sf_crc16(raw, SF_HEADER + payload_len);
    put_u16(raw + SF_HEADER + payload_len, crc);
    w = sf_cobs_encode(raw, raw_len, out);
    out[w] = 0x00;
    return w + 1;
}

size_t sf_build_belt(uint8_t *out, uint16_t seq, uint32_t t_us, int32_t counts,
                     uint32_t interval_us) {
    uint8_t p[8];
    put_u32(p, (uint32_t)counts);
    put_u32(p + 4, interval_us);
    return sf_build_frame(out, SF_T_BELT, seq, t_us, p, sizeof p);
}

size_t sf_build_status(uint8_t *out, uint16_t seq, uint32_t t_us, uint16_t flags,
                       uint32_t dropped, uint16_t supply_mv) {
    uint8_t p[8];
    put_u16(p, flags);
    put_u32(p + 2, dropped);
    put_u16(p + 6, supply_mv);
    return sf_build_frame(out, SF_T_STATUS, seq, t_us, p, sizeof p);
}

size_t sf_build_error(uint8_t *out, uint16_t seq, uint32_t t_us, uint8_t code,
                      const char *message) {
    uint8_t p[1 + SF_ERROR_MAX_TEXT];
    size_t n = 0;
    p[0] = code;
    while (message[n] != '\0' && n < SF_ERROR_MAX_TEXT) {
        p[1 + n] = (uint8_t)message[n];
        n++;
    }
    return sf_build_frame(out, SF_T_ERROR, seq, t_us, p, 1 + n);
}
