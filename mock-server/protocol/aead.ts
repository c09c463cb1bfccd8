/**
 * AEAD_AES_256_GCM as WeChat Pay uses it for /v3/certificates and callbacks (protocol.md §4.3):
 * key = the 32-byte APIv3 key verbatim, IV = a 12-character ASCII nonce verbatim, AAD = associated_data,
 * the 16-byte tag appended to the ciphertext, all base64.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomText } from './rsa.js';

export interface EncryptedResource {
  algorithm: 'AEAD_AES_256_GCM';
  nonce: string;
  associated_data: string;
  ciphertext: string;
}

export function encryptResource(plaintext: string, apiV3Key: string, associatedData: string): EncryptedResource {
  const nonce = randomText(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { algorithm: 'AEAD_AES_256_GCM', nonce, associated_data: associatedData, ciphertext: body.toString('base64') };
}

export function decryptResource(resource: Pick<EncryptedResource, 'nonce' | 'associated_data' | 'ciphertext'>, apiV3Key: string): string {
  const data = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(resource.nonce, 'utf8'));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}
