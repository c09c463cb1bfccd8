// Generated from contracts/ by scripts/generate-contract-types.ts (`npm run types`): do not edit.

export type FavorCouponStatus = 'SENDED' | 'USED' | 'EXPIRED' | 'RECOVER';
export type FavorStockStatus = 'unactivated' | 'audit' | 'running' | 'stoped' | 'paused';
export type PartnershipsPartnerType = 'APPID' | 'MERCHANT';
export type PartnershipsBusinessType = 'FAVOR_STOCK' | 'BUSIFAVOR_STOCK';
export type PartnershipsState = 'ESTABLISHED' | 'TERMINATED';
export type PaygiftGetActivityReply = PaygiftActivityInformation;
export type PaygiftActivityType = 'FULL_SEND_ACT_TYPE' | 'STEP_SEND_ACT_TYPE' | 'SPECIFIC_SEND_ACT_TYPE';
export type PaygiftActivityStatus =
  | 'ACT_STATUS_UNKNOWN'
  | 'CREATE_ACT_STATUS'
  | 'ONGOING_ACT_STATUS'
  | 'TERMINATE_ACT_STATUS'
  | 'STOP_ACT_STATUS'
  | 'OVER_TIME_ACT_STATUS'
  | 'CREATE_ACT_FAILED';
/**
 * Hold the answer until the first attempt of the round is answered (attempt, ≤ 10 s) or the round is settled (settled, ≤ 60 s).
 */
export type ControlWait = 'attempt' | 'settled';
export type ControlCallbackFaultsAddBody = ControlChaosRule | ControlChaosRule[];
export type ControlFaultsAddBody = ControlFaultRule | ControlFaultRule[];

export interface BilldownloadDownloadFileQuery {
  /**
   * 下载令牌
   */
  token: string;
}
export interface CertificatesListQuery {
  /**
   * 证书算法类型
   */
  algorithm_type?: 'RSA';
}
export interface CertificatesListReply {
  /**
   * @minItems 1
   */
  data: {
    serial_no: string;
    /**
     * 时间
     */
    effective_time: string;
    /**
     * 时间
     */
    expire_time: string;
    encrypt_certificate: CommonEncryptResource;
  }[];
}
export interface CommonEncryptResource {
  algorithm: 'AEAD_AES_256_GCM';
  nonce: string;
  associated_data: string;
  ciphertext: string;
}
export interface FavorCreateStockBody {
  /**
   * 批次名称
   */
  stock_name: string;
  /**
   * 批次备注
   */
  comment?: string;
  /**
   * 归属商户号
   */
  belong_merchant: string;
  /**
   * 开始时间
   */
  available_begin_time: string;
  /**
   * 结束时间
   */
  available_end_time: string;
  /**
   * 发放规则
   */
  stock_use_rule: {
    /**
     * 发放总上限
     */
    max_coupons: number;
    /**
     * 总预算
     */
    max_amount: number;
    /**
     * 单天预算发放上限
     */
    max_amount_by_day?: number;
    /**
     * 单个用户可领个数
     */
    max_coupons_per_user: number;
    /**
     * 是否开启自然人限制
     */
    natural_person_limit: boolean;
    /**
     * api发券防刷
     */
    prevent_api_abuse: boolean;
  };
  /**
   * 样式信息
   */
  pattern_info?: {
    /**
     * 使用说明
     */
    description: string;
    /**
     * 商户logo
     */
    merchant_logo?: string;
    /**
     * 品牌名称
     */
    merchant_name?: string;
    /**
     * 背景颜色
     */
    background_color?:
      | 'COLOR010'
      | 'COLOR020'
      | 'COLOR030'
      | 'COLOR040'
      | 'COLOR050'
      | 'COLOR060'
      | 'COLOR070'
      | 'COLOR080'
      | 'COLOR081'
      | 'COLOR082'
      | 'COLOR090'
      | 'COLOR100'
      | 'COLOR101'
      | 'COLOR102'
      | 'Color010'
      | 'Color020'
      | 'Color030'
      | 'Color040'
      | 'Color050'
      | 'Color060'
      | 'Color070'
      | 'Color080'
      | 'Color090'
      | 'Color100';
    /**
     * 券详情图片
     */
    coupon_image?: string;
    /**
     * 跳转目标
     */
    jump_target?: 'PAYMENT_CODE' | 'MINI_PROGRAM' | 'DEFAULT_PAGE';
    /**
     * 小程序appid
     */
    mini_program_appid?: string;
    /**
     * 小程序path
     */
    mini_program_path?: string;
  };
  /**
   * 核销规则
   */
  coupon_use_rule: {
    /**
     * 券生效时间
     */
    coupon_available_time?: {
      /**
       * 开始时间
       */
      available_begin_time?: string;
      /**
       * 结束时间
       */
      available_end_time?: string;
      /**
       * 固定周期有效时间段
       */
      fix_available_time?: {
        /**
         * 可用星期数
         *
         * @minItems 1
         * @maxItems 7
         *
         * Items: 可用星期数
         */
        available_week_day?: number[];
        /**
         * 当天开始时间
         */
        begin_time: number;
        /**
         * 当天结束时间
         */
        end_time?: number;
      };
      /**
       * 领取第二天生效
       */
      second_day_available?: boolean;
      /**
       * 领取后有效时间
       */
      available_time_after_receive?: number;
    };
    /**
     * 固定面额满减券使用规则
     */
    fixed_normal_coupon?: {
      /**
       * 面额
       */
      coupon_amount: number;
      /**
       * 门槛
       */
      transaction_minimum: number;
    };
    /**
     * 订单优惠标记
     *
     * @minItems 1
     * @maxItems 50
     *
     * Items: 订单优惠标记
     */
    goods_tag?: string[];
    /**
     * 指定付款方式
     *
     * @minItems 1
     * @maxItems 1
     *
     * Items: 指定付款方式
     */
    limit_pay?: string[];
    /**
     * 指定银行卡BIN
     */
    limit_card?: {
      /**
       * 银行卡名称
       */
      name: string;
      /**
       * 指定卡BIN
       *
       * @minItems 1
       * @maxItems 10
       *
       * Items: 指定卡BIN
       */
      bin: string[];
    };
    /**
     * 支付方式
     *
     * @minItems 1
     *
     * Items: 支付方式
     */
    trade_type?: ('MICROAPP' | 'APPPAY' | 'PPAY' | 'CARD' | 'FACE' | 'OTHER')[];
    /**
     * 是否可叠加其他优惠
     */
    combine_use?: boolean;
    /**
     * 可核销商品编码
     *
     * @minItems 1
     * @maxItems 50
     *
     * Items: 可核销商品编码
     */
    available_items?: string[];
    /**
     * 不参与优惠商品编码
     *
     * @minItems 1
     * @maxItems 50
     *
     * Items: 不参与优惠商品编码
     */
    unavailable_items?: string[];
    /**
     * 可用商户
     *
     * @minItems 1
     * @maxItems 50
     *
     * Items: 可用商户
     */
    available_merchants: string[];
  };
  /**
   * 是否无资金流
   */
  no_cash: boolean;
  /**
   * 批次类型
   */
  stock_type: 'NORMAL' | 'DISCOUNT' | 'EXCHAHGE' | 'RANDOM' | 'DISCOUNT_CUT';
  /**
   * 商户单据号
   */
  out_request_no: string;
  /**
   * 扩展属性
   */
  ext_info?: string;
}
export interface FavorCreateStockReply {
  stock_id: string;
  /**
   * 时间
   */
  create_time: string;
}
export interface FavorGetCallbackQuery {
  /**
   * 商户号
   */
  mchid: string;
}
export interface FavorGetCallbackReply {
  notify_url: string;
  /**
   * 商户号
   */
  mchid: string;
}
export interface FavorGetCouponParams {
  /**
   * 用户openid
   */
  openid: string;
  /**
   * 代金券id
   */
  coupon_id: string;
}
export interface FavorGetCouponQuery {
  /**
   * 公众账号ID
   */
  appid: string;
}
export interface FavorGetCouponReply {
  stock_creator_mchid: string;
  stock_id: string;
  coupon_id: string;
  cut_to_message?: FavorCutToMessage;
  coupon_name: string;
  status: FavorCouponStatus;
  description: string;
  /**
   * 时间
   */
  create_time: string;
  coupon_type: 'NORMAL' | 'CUT_TO';
  no_cash: boolean;
  /**
   * 时间
   */
  available_begin_time: string;
  /**
   * 时间
   */
  available_end_time: string;
  singleitem: boolean;
  normal_coupon_information?: FavorFixedNormalCoupon;
  consume_information?: FavorConsumeInformation;
  out_request_no?: string;
  available_balance?: number;
  business_type?: 'MULTIUSE';
}
export interface FavorCutToMessage {
  single_price_max: number;
  cut_to_price: number;
}
export interface FavorFixedNormalCoupon {
  coupon_amount: number;
  transaction_minimum: number;
}
export interface FavorConsumeInformation {
  /**
   * 时间
   */
  consume_time: string;
  consume_mchid: string;
  transaction_id: string;
  consume_amount?: number;
  goods_detail?: {
    goods_id: string;
    quantity: number;
    price: number;
    discount_amount: number;
  }[];
}
export interface FavorGetStockParams {
  /**
   * 批次号
   */
  stock_id: string;
}
export interface FavorGetStockQuery {
  /**
   * 创建批次的商户号
   */
  stock_creator_mchid: string;
}
export interface FavorGetStockReply {
  stock_id: string;
  stock_creator_mchid: string;
  stock_name: string;
  status: FavorStockStatus;
  /**
   * 时间
   */
  create_time: string;
  description: string;
  stock_use_rule?: {
    max_coupons?: number;
    max_amount?: number;
    max_amount_by_day?: number;
    fixed_normal_coupon?: FavorFixedNormalCoupon;
    max_coupons_per_user?: number;
    coupon_type?: 'NORMAL' | 'CUT_TO';
    goods_tag?: string[];
    trade_type?: ('MICROAPP' | 'APPPAY' | 'PPAY' | 'CARD' | 'FACE' | 'OTHER')[];
    combine_use?: boolean;
  };
  /**
   * 时间
   */
  available_begin_time: string;
  /**
   * 时间
   */
  available_end_time: string;
  distributed_coupons: number;
  no_cash: boolean;
  /**
   * 时间
   */
  start_time?: string;
  /**
   * 时间
   */
  stop_time?: string;
  cut_to_message?: FavorCutToMessage;
  singleitem: boolean;
  stock_type: 'NORMAL' | 'DISCOUNT_CUT' | 'OTHER';
  card_id?: string;
  business_type?: 'MULTIUSE';
  available_region_list?: {
    type?: string;
    province?: string;
    city?: string;
    district?: string;
    country?: string;
  }[];
  available_industry_list?: string[];
}
export interface FavorListStockItemsParams {
  /**
   * 批次号
   */
  stock_id: string;
}
export interface FavorListStockItemsQuery {
  /**
   * 分页页码
   */
  offset: number;
  /**
   * 分页大小
   */
  limit: number;
  /**
   * 创建批次的商户号
   */
  stock_creator_mchid: string;
}
export interface FavorListStockItemsReply {
  total_count: number;
  data?: string[];
  offset: number;
  limit: number;
  stock_id: string;
}
export interface FavorListStockMerchantsParams {
  /**
   * 批次号
   */
  stock_id: string;
}
export interface FavorListStockMerchantsQuery {
  /**
   * 分页页码
   */
  offset: number;
  /**
   * 分页大小
   */
  limit: number;
  /**
   * 创建批次的商户号
   */
  stock_creator_mchid: string;
}
export interface FavorListStockMerchantsReply {
  total_count: number;
  data?: string[];
  offset: number;
  limit: number;
  stock_id: string;
}
export interface FavorListStocksQuery {
  /**
   * 分页页码
   */
  offset: number;
  /**
   * 分页大小
   */
  limit: number;
  /**
   * 创建批次的商户号
   */
  stock_creator_mchid: string;
  /**
   * 起始时间
   */
  create_start_time?: string;
  /**
   * 终止时间
   */
  create_end_time?: string;
  status?: FavorStockStatus;
}
export interface FavorListStocksReply {
  total_count: number;
  limit: number;
  offset: number;
  data?: FavorStock[];
}
export interface FavorStock {
  stock_id: string;
  stock_creator_mchid: string;
  stock_name: string;
  status: FavorStockStatus;
  /**
   * 时间
   */
  create_time: string;
  description: string;
  stock_use_rule?: {
    max_coupons?: number;
    max_amount?: number;
    max_amount_by_day?: number;
    fixed_normal_coupon?: FavorFixedNormalCoupon;
    max_coupons_per_user?: number;
    coupon_type?: 'NORMAL' | 'CUT_TO';
    goods_tag?: string[];
    trade_type?: ('MICROAPP' | 'APPPAY' | 'PPAY' | 'CARD' | 'FACE' | 'OTHER')[];
    combine_use?: boolean;
  };
  /**
   * 时间
   */
  available_begin_time: string;
  /**
   * 时间
   */
  available_end_time: string;
  distributed_coupons: number;
  no_cash: boolean;
  /**
   * 时间
   */
  start_time?: string;
  /**
   * 时间
   */
  stop_time?: string;
  cut_to_message?: FavorCutToMessage;
  singleitem: boolean;
  stock_type: 'NORMAL' | 'DISCOUNT_CUT' | 'OTHER';
  card_id?: string;
  business_type?: 'MULTIUSE';
  available_region_list?: {
    type?: string;
    province?: string;
    city?: string;
    district?: string;
    country?: string;
  }[];
  available_industry_list?: string[];
}
export interface FavorListUserCouponsParams {
  /**
   * 用户openid
   */
  openid: string;
}
export interface FavorListUserCouponsQuery {
  /**
   * 公众账号ID
   */
  appid: string;
  /**
   * 批次号
   */
  stock_id?: string;
  /**
   * 券状态
   */
  status?: 'SENDED' | 'USED';
  /**
   * 创建批次的商户号
   */
  creator_mchid?: string;
  /**
   * 批次发放商户号
   */
  sender_mchid?: string;
  /**
   * 可用商户号
   */
  available_mchid?: string;
  /**
   * 分页页码
   */
  offset?: number;
  /**
   * 分页大小
   */
  limit?: number;
  /**
   * 业务类型
   */
  business_type?: 'MULTIUSE';
}
export interface FavorListUserCouponsReply {
  data?: FavorCoupon[];
  total_count: number;
  limit: number;
  offset: number;
}
export interface FavorCoupon {
  stock_creator_mchid: string;
  stock_id: string;
  coupon_id: string;
  cut_to_message?: FavorCutToMessage;
  coupon_name: string;
  status: FavorCouponStatus;
  description: string;
  /**
   * 时间
   */
  create_time: string;
  coupon_type: 'NORMAL' | 'CUT_TO';
  no_cash: boolean;
  /**
   * 时间
   */
  available_begin_time: string;
  /**
   * 时间
   */
  available_end_time: string;
  singleitem: boolean;
  normal_coupon_information?: FavorFixedNormalCoupon;
  consume_information?: FavorConsumeInformation;
  out_request_no?: string;
  available_balance?: number;
  business_type?: 'MULTIUSE';
}
export interface FavorPauseStockParams {
  /**
   * 批次号
   */
  stock_id: string;
}
export interface FavorPauseStockBody {
  /**
   * 创建批次的商户号
   */
  stock_creator_mchid: string;
}
export interface FavorPauseStockReply {
  /**
   * 时间
   */
  pause_time: string;
  stock_id: string;
}
export interface FavorRefundFlowParams {
  /**
   * 批次号
   */
  stock_id: string;
}
export interface FavorRefundFlowReply {
  url: string;
  hash_value: string;
  hash_type: 'SHA1';
}
export interface FavorRestartStockParams {
  /**
   * 批次号
   */
  stock_id: string;
}
export interface FavorRestartStockBody {
  /**
   * 创建批次的商户号
   */
  stock_creator_mchid: string;
}
export interface FavorRestartStockReply {
  /**
   * 时间
   */
  restart_time: string;
  stock_id: string;
}
export interface FavorSendCouponParams {
  /**
   * 用户openid
   */
  openid: string;
}
export interface FavorSendCouponBody {
  /**
   * 批次id
   */
  stock_id: string;
  /**
   * 商户单据号
   */
  out_request_no: string;
  /**
   * 公众账号ID
   */
  appid: string;
  /**
   * 创建批次的商户号
   */
  stock_creator_mchid: string;
  /**
   * 指定面额发券，面额
   */
  coupon_value?: number;
  /**
   * 指定面额发券，券门槛
   */
  coupon_minimum?: number;
}
export interface FavorSendCouponReply {
  coupon_id: string;
}
export interface FavorSetCallbackBody {
  /**
   * 商户号
   */
  mchid: string;
  /**
   * 通知地址
   */
  notify_url: string;
  /**
   * 回调开关
   */
  switch?: boolean;
}
export interface FavorSetCallbackReply {
  /**
   * 时间
   */
  update_time: string;
  notify_url: string;
}
export interface FavorStartStockParams {
  /**
   * 批次号
   */
  stock_id: string;
}
export interface FavorStartStockBody {
  /**
   * 创建批次的商户号
   */
  stock_creator_mchid: string;
}
export interface FavorStartStockReply {
  /**
   * 时间
   */
  start_time: string;
  stock_id: string;
}
export interface FavorStopStockParams {
  /**
   * 批次号
   */
  stock_id: string;
}
export interface FavorStopStockBody {
  /**
   * 创建批次的商户号
   */
  stock_creator_mchid: string;
}
export interface FavorStopStockReply {
  /**
   * 时间
   */
  stop_time: string;
  stock_id: string;
}
export interface FavorUploadImageBody {
  /**
   * 文件名称
   */
  filename: string;
  /**
   * 文件摘要
   */
  sha256: string;
}
export interface FavorUploadImageReply {
  media_url: string;
}
export interface FavorUseFlowParams {
  /**
   * 批次号
   */
  stock_id: string;
}
export interface FavorUseFlowReply {
  url: string;
  hash_value: string;
  hash_type: 'SHA1';
}
export interface PartnershipsBuildBody {
  /**
   * 合作方信息
   */
  partner: {
    /**
     * 合作方类别
     */
    type: 'APPID' | 'MERCHANT';
    /**
     * 合作方APPID
     */
    appid?: string;
    /**
     * 合作方商户ID
     */
    merchant_id?: string;
  };
  /**
   * 被授权数据
   */
  authorized_data: {
    /**
     * 授权业务类别
     */
    business_type: 'FAVOR_STOCK' | 'BUSIFAVOR_STOCK';
    /**
     * 授权批次ID
     */
    stock_id: string;
  };
}
export interface PartnershipsBuildReply {
  partner: PartnershipsPartner;
  authorized_data: PartnershipsAuthorizedData;
  state: PartnershipsState;
  build_time: string;
  create_time: string;
  update_time: string;
}
export interface PartnershipsPartner {
  type: PartnershipsPartnerType;
  appid?: string;
  merchant_id?: string;
}
export interface PartnershipsAuthorizedData {
  business_type: PartnershipsBusinessType;
  stock_id?: string;
  scenarios?: string[];
}
export interface PartnershipsListQuery {
  /**
   * 分页大小
   */
  limit?: number;
  /**
   * 分页页码
   */
  offset?: number;
  /**
   * 合作方信息
   */
  partner?: {
    /**
     * 合作方类别
     */
    type: 'APPID' | 'MERCHANT';
    /**
     * 合作方APPID
     */
    appid?: string;
    /**
     * 合作方商户ID
     */
    merchant_id?: string;
  };
  /**
   * 被授权数据
   */
  authorized_data: {
    /**
     * 授权业务类别
     */
    business_type: 'FAVOR_STOCK' | 'BUSIFAVOR_STOCK';
    /**
     * 授权批次ID
     */
    stock_id?: string;
  };
}
export interface PartnershipsListReply {
  data?: {
    partner: PartnershipsPartner;
    authorized_data: PartnershipsAuthorizedData;
    build_time: string;
    terminate_time?: string;
    create_time: string;
    update_time: string;
  }[];
  offset: number;
  limit: number;
  total_count?: number;
}
export interface PartnershipsTerminateBody {
  /**
   * 合作方信息
   */
  partner: {
    /**
     * 合作方类别
     */
    type: 'APPID' | 'MERCHANT';
    /**
     * 合作方APPID
     */
    appid?: string;
    /**
     * 合作方商户ID
     */
    merchant_id?: string;
  };
  /**
   * 被授权数据
   */
  authorized_data: {
    /**
     * 授权业务类别
     */
    business_type: 'FAVOR_STOCK' | 'BUSIFAVOR_STOCK';
    /**
     * 授权批次ID
     */
    stock_id: string;
  };
}
export interface PartnershipsTerminateReply {
  terminate_time: string;
}
export interface PaygiftAddActivityMerchantsParams {
  /**
   * 活动id
   */
  activity_id: string;
}
export interface PaygiftAddActivityMerchantsBody {
  /**
   * 发券商户号
   *
   * @minItems 1
   * @maxItems 500
   *
   * Items: 发券商户号
   */
  merchant_id_list: string[];
  /**
   * 请求业务单据号
   */
  add_request_no: string;
}
export interface PaygiftAddActivityMerchantsReply {
  activity_id: string;
  invalid_merchant_id_list: {
    mchid: string;
    invalid_reason: string;
  }[];
  /**
   * 时间
   */
  add_time: string;
}
export interface PaygiftCreateActivityBody {
  /**
   * 活动基本信息
   */
  activity_base_info: {
    /**
     * 活动名称
     */
    activity_name: string;
    /**
     * 活动副标题
     */
    activity_second_title: string;
    /**
     * 商户logo
     */
    merchant_logo_url: string;
    /**
     * 背景颜色
     */
    background_color?:
      | 'COLOR010'
      | 'COLOR020'
      | 'COLOR030'
      | 'COLOR040'
      | 'COLOR050'
      | 'COLOR060'
      | 'COLOR070'
      | 'COLOR080'
      | 'COLOR081'
      | 'COLOR082'
      | 'COLOR090'
      | 'COLOR100'
      | 'COLOR101'
      | 'COLOR102'
      | 'Color010'
      | 'Color020'
      | 'Color030'
      | 'Color040'
      | 'Color050'
      | 'Color060'
      | 'Color070'
      | 'Color080'
      | 'Color090'
      | 'Color100';
    /**
     * 活动开始时间
     */
    begin_time: string;
    /**
     * 活动结束时间
     */
    end_time: string;
    /**
     * 可用时间段
     */
    available_periods?: {
      /**
       * 可用时间
       *
       * @minItems 1
       */
      available_time: {
        /**
         * 开始时间
         */
        begin_time: string;
        /**
         * 结束时间
         */
        end_time: string;
      }[];
      /**
       * 每日可用时间
       *
       * @minItems 1
       */
      available_day_time: {
        /**
         * 天内开始时间
         */
        begin_day_time: string;
        /**
         * 天内结束时间
         */
        end_day_time: string;
      }[];
    };
    /**
     * 商户请求单号
     */
    out_request_no: string;
    /**
     * 投放目的
     */
    delivery_purpose: 'OFF_LINE_PAY' | 'JUMP_MINI_APP';
    /**
     * 商家小程序appid
     */
    mini_programs_appid?: string;
    /**
     * 商家小程序path
     */
    mini_programs_path?: string;
  };
  /**
   * 活动奖品发放规则
   */
  award_send_rule: {
    /**
     * 消费金额门槛
     */
    transaction_amount_minimum: number;
    /**
     * 发放内容
     */
    send_content: 'SINGLE_COUPON' | 'GIFT_PACKAGE';
    /**
     * 奖品类型
     */
    award_type: 'BUSIFAVOR';
    /**
     * 奖品基本信息列表
     *
     * @minItems 1
     * @maxItems 5
     */
    award_list: {
      /**
       * 批次号
       */
      stock_id: string;
      /**
       * 奖品大图
       */
      original_image_url: string;
      /**
       * 奖品小图
       */
      thumbnail_url?: string;
    }[];
    /**
     * 发券商户号选项
     */
    merchant_option: 'IN_SEVICE_COUPON_MERCHANT' | 'MANUAL_INPUT_MERCHANT';
    /**
     * 发券商户号
     *
     * @minItems 1
     * @maxItems 500
     *
     * Items: 发券商户号
     */
    merchant_id_list?: string[];
  };
  /**
   * 活动高级设置
   */
  advanced_setting?: {
    /**
     * 投放用户类别
     */
    delivery_user_category?: 'DELIVERY_ALL_PERSON' | 'DELIVERY_MEMBER_PERSON';
    /**
     * 商家会员appid
     */
    merchant_member_appid?: string;
    /**
     * 支付模式
     */
    payment_mode?: {
      /**
       * 支付场景
       *
       * Items: 支付场景
       */
      payment_scene_list?: ('APP_SCENE' | 'SWING_CARD_SCENE' | 'NO_SECRET_SCENE' | 'MINIAPP_SCENE' | 'FACE_PAY_SCENE' | 'OTHER_SCENE')[];
    };
    /**
     * 支付方式信息
     */
    payment_method_information?: {
      /**
       * 支付方式
       */
      payment_method: 'CFT' | 'SPECIFIC_BANK_CARD';
      /**
       * 银行简称
       */
      bank_abbreviation?: string;
    };
    /**
     * 订单优惠标记
     *
     * @maxItems 500
     *
     * Items: 订单优惠标记
     */
    goods_tags?: string[];
  };
}
export interface PaygiftCreateActivityReply {
  activity_id: string;
  /**
   * 时间
   */
  create_time: string;
}
export interface PaygiftDeleteActivityMerchantsParams {
  /**
   * 活动id
   */
  activity_id: string;
}
export interface PaygiftDeleteActivityMerchantsBody {
  /**
   * 发券商户号
   *
   * @minItems 1
   * @maxItems 500
   *
   * Items: 发券商户号
   */
  merchant_id_list: string[];
  /**
   * 请求业务单据号
   */
  delete_request_no: string;
}
export interface PaygiftDeleteActivityMerchantsReply {
  activity_id: string;
  /**
   * 时间
   */
  delete_time: string;
}
export interface PaygiftGetActivityParams {
  /**
   * 活动id
   */
  activity_id: string;
}
export interface PaygiftActivityInformation {
  activity_id: string;
  activity_type: PaygiftActivityType;
  activity_base_info: PaygiftActivityBaseInfo;
  award_send_rule: {
    full_send_rule: PaygiftFullSendRule;
  };
  advanced_setting?: PaygiftAdvancedSetting;
  activity_status: PaygiftActivityStatus;
  creator_merchant_id: string;
  belong_merchant_id: string;
  /**
   * 时间
   */
  pause_time?: string;
  /**
   * 时间
   */
  recovery_time?: string;
  /**
   * 时间
   */
  create_time: string;
  /**
   * 时间
   */
  update_time: string;
}
export interface PaygiftActivityBaseInfo {
  activity_name: string;
  activity_second_title: string;
  merchant_logo_url: string;
  background_color?: string;
  /**
   * 时间
   */
  begin_time: string;
  /**
   * 时间
   */
  end_time: string;
  available_periods?: PaygiftAvailablePeriods;
  /**
   * 商户单据号
   */
  out_request_no: string;
  delivery_purpose: 'OFF_LINE_PAY' | 'JUMP_MINI_APP';
  mini_programs_appid?: string;
  mini_programs_path?: string;
}
export interface PaygiftAvailablePeriods {
  available_time: {
    /**
     * 时间
     */
    begin_time: string;
    /**
     * 时间
     */
    end_time: string;
  }[];
  available_day_time: {
    begin_day_time: string;
    end_day_time: string;
  }[];
}
export interface PaygiftFullSendRule {
  transaction_amount_minimum: number;
  send_content: 'SINGLE_COUPON' | 'GIFT_PACKAGE';
  award_type: 'BUSIFAVOR';
  /**
   * @minItems 1
   * @maxItems 5
   */
  award_list: PaygiftAwardItem[];
  merchant_option: 'IN_SEVICE_COUPON_MERCHANT' | 'MANUAL_INPUT_MERCHANT';
  /**
   * @maxItems 0
   */
  merchant_id_list?: unknown[];
}
export interface PaygiftAwardItem {
  stock_id: string;
  original_image_url: string;
  thumbnail_url?: string;
}
export interface PaygiftAdvancedSetting {
  delivery_user_category?: 'DELIVERY_ALL_PERSON' | 'DELIVERY_MEMBER_PERSON';
  merchant_member_appid?: string;
  payment_mode?: {
    payment_scene_list?: string[];
  };
  payment_method_information?: {
    payment_method: 'CFT' | 'SPECIFIC_BANK_CARD';
    bank_abbreviation?: string;
  };
  /**
   * @maxItems 500
   */
  goods_tags?: string[];
}
export interface PaygiftListActivitiesQuery {
  /**
   * 分页页码
   */
  offset: number;
  /**
   * 分页大小
   */
  limit: number;
  /**
   * 活动名称
   */
  activity_name?: string;
  /**
   * 活动状态
   */
  activity_status?:
    | 'ACT_STATUS_UNKNOWN'
    | 'CREATE_ACT_STATUS'
    | 'ONGOING_ACT_STATUS'
    | 'TERMINATE_ACT_STATUS'
    | 'STOP_ACT_STATUS'
    | 'OVER_TIME_ACT_STATUS'
    | 'CREATE_ACT_FAILED';
  /**
   * 奖品类型
   */
  award_type?: 'BUSIFAVOR';
}
export interface PaygiftListActivitiesReply {
  data: PaygiftActivityInformation[];
  total_count: number;
  offset: number;
  limit: number;
}
export interface PaygiftListActivityGoodsParams {
  /**
   * 活动id
   */
  activity_id: string;
}
export interface PaygiftListActivityGoodsQuery {
  /**
   * 分页页码
   */
  offset?: number;
  /**
   * 分页大小
   */
  limit?: number;
}
export interface PaygiftListActivityGoodsReply {
  data: {
    goods_id: string;
    /**
     * 时间
     */
    create_time: string;
    /**
     * 时间
     */
    update_time: string;
  }[];
  total_count: number;
  offset: number;
  limit: number;
  activity_id: string;
}
export interface PaygiftListActivityMerchantsParams {
  /**
   * 活动id
   */
  activity_id: string;
}
export interface PaygiftListActivityMerchantsQuery {
  /**
   * 分页页码
   */
  offset?: number;
  /**
   * 分页大小
   */
  limit?: number;
}
export interface PaygiftListActivityMerchantsReply {
  data: {
    mchid: string;
    merchant_name?: string;
    /**
     * 时间
     */
    create_time?: string;
    /**
     * 时间
     */
    update_time?: string;
  }[];
  total_count: number;
  offset: number;
  limit: number;
  activity_id: string;
}
export interface PaygiftTerminateActivityParams {
  /**
   * 活动id
   */
  activity_id: string;
}
export interface PaygiftTerminateActivityReply {
  /**
   * 时间
   */
  terminate_time: string;
  activity_id: string;
}
export interface ControlCallbackParams {
  id: string;
}
export interface ControlCallbackQuery {
  wait?: ControlWait;
}
export interface ControlCallbackCouponUseBody {
  /**
   * The COUPON.USE plaintext (contracts/callbacks/coupon-use.plaintext.json).
   */
  coupon: {
    [k: string]: unknown | undefined;
  };
  /**
   * The merchant to notify (default coupon.stock_creator_mchid).
   */
  creator_mchid?: string;
  /**
   * Send a WECHATPAY/SIGNTEST/ probe before the first valid attempt (default: the creator’s setting).
   */
  probe?: boolean;
  wait?: ControlWait;
}
/**
 * A callback chaos rule for COUPON.USE deliveries (docs/guides/faults.md): at least one of bad, duplicate, delay, reorder; matched by mchid, coupon_id, stock_id, times. Checked by mock-server/callbacks/chaos.ts.
 */
export interface ControlChaosRule {
  id?: string;
  mchid?: string;
  coupon_id?: string;
  stock_id?: string;
  [k: string]: unknown | undefined;
}
export interface ControlCallbackFaultsGetParams {
  id: string;
}
export interface ControlCallbackFaultsLogQuery {
  notification_id?: string;
}
export interface ControlCallbackFaultsRemoveParams {
  id: string;
}
export interface ControlCallbackReplayParams {
  id: string;
}
export interface ControlCallbackReplayBody {
  /**
   * Send a WECHATPAY/SIGNTEST/ probe before the first valid attempt (default: the creator’s setting).
   */
  probe?: boolean;
  wait?: ControlWait;
}
export interface ControlCallbacksQuery {
  id?: string;
  mchid?: string;
  coupon_id?: string;
  stock_id?: string;
  state?: 'pending' | 'delivered' | 'failed';
  event_type?: string;
  status?: string;
  limit?: string;
}
export interface ControlClockAdvanceBody {
  /**
   * Milliseconds or a duration like "90s", "15m", "2h", "1d".
   */
  by?: string | number;
  /**
   * Milliseconds (older spelling of `by`).
   */
  ms?: number;
}
export interface ControlClockFreezeBody {
  /**
   * RFC 3339 with offset (e.g. 2027-01-04T10:00:00+08:00) or epoch milliseconds, 1970-01-01T08:00:00+08:00 … 9999-12-31T23:59:59+08:00.
   */
  time?: string | number;
}
export interface ControlClockSetBody {
  /**
   * RFC 3339 with offset (e.g. 2027-01-04T10:00:00+08:00) or epoch milliseconds, 1970-01-01T08:00:00+08:00 … 9999-12-31T23:59:59+08:00.
   */
  time: string | number;
  /**
   * Freeze at that time.
   */
  freeze?: boolean;
}
/**
 * A fault rule (docs/guides/faults.md): `action` error | fail | latency | hang | reset | truncate | bad-signature …, matched by operation_id, mchid, method, path, nth, times, probability. Its fields are checked by mock-server/faults/rules.ts (400 PARAM_ERROR naming the field).
 */
export interface ControlFaultRule {
  id?: string;
  action?: string;
  code?: string;
  message?: string;
  when?: string;
  operation_id?: string;
  mchid?: string;
  method?: string;
  path?: string;
  [k: string]: unknown | undefined;
}
export interface ControlFaultsGetParams {
  id: string;
}
export interface ControlFaultsRemoveParams {
  id: string;
}
export interface ControlFavorApproveStockParams {
  stock_id: string;
}
export interface ControlFavorRefundCouponParams {
  coupon_id: string;
}
export interface ControlFavorRefundCouponBody {
  /**
   * Refund number (default: a 32-digit 50… number).
   */
  refund_id?: string;
  /**
   * RFC 3339; not before the use and not after now (default: now).
   */
  refund_time?: string;
}
export interface ControlFavorRejectStockParams {
  stock_id: string;
}
export interface ControlFavorUseCouponParams {
  coupon_id: string;
}
export interface ControlFavorUseCouponBody {
  /**
   * WeChat Pay order number (default: a 28-digit 4200… number).
   */
  transaction_id?: string;
  /**
   * Merchant that collected the payment; one of the stock’s available merchants (default: the first).
   */
  consume_mchid?: string;
  /**
   * RFC 3339; inside the coupon’s window and not after now (default: now).
   */
  consume_time?: string;
  goods_detail?: {
    goods_id: string;
    quantity?: number;
    /**
     * fen
     */
    price?: number;
    /**
     * fen
     */
    discount_amount?: number;
  }[];
  /**
   * The order amount in fen (default: the goods’ total, else the threshold); must reach the threshold.
   */
  order_amount?: number;
}
export interface ControlHandlerCheckBody {
  /**
   * The merchant whose notify URL is checked.
   */
  mchid?: string;
  /**
   * A URL to check instead of the merchant’s.
   */
  url?: string;
  coupon?: {
    [k: string]: unknown | undefined;
  };
}
export interface ControlJournalQuery {
  operation_id?: string;
  mchid?: string;
  code?: string;
  status?: string;
  /**
   * Only entries with (true) or without (false) findings.
   */
  findings?: 'true' | 'false';
  since_seq?: string;
  limit?: string;
}
export interface ControlJournalStreamQuery {
  operation_id?: string;
  mchid?: string;
  code?: string;
  status?: string;
  /**
   * Only entries with (true) or without (false) findings.
   */
  findings?: 'true' | 'false';
  since_seq?: string;
  limit?: string;
}
export interface ControlPaygiftFailActivityParams {
  activity_id: string;
}
export interface ControlPaygiftPauseActivityParams {
  activity_id: string;
}
export interface ControlPaygiftRecoverActivityParams {
  activity_id: string;
}
export interface ControlReportQuery {
  /**
   * Default json.
   */
  format?: 'text' | 'json' | 'junit';
  /**
   * true: warnings fail.
   */
  strict?: 'true' | 'false';
}
/**
 * A scenario; checked step by step by mock-server/scenario.ts.
 */
export interface ControlScenarioBody {
  scenario?: 'wxpay-mock-scenario';
  version?: number;
  steps?: {
    [k: string]: unknown | undefined;
  }[];
  [k: string]: unknown | undefined;
}
/**
 * A snapshot (docs/reference/store.md#snapshot-format); checked by the store (a foreign or broken one: 400 PARAM_ERROR `snapshot refused, nothing changed: …`).
 */
export interface ControlSnapshotImportBody {
  format?: 'wxpay-mock-snapshot';
  version?: number;
  [k: string]: unknown | undefined;
}
export interface ControlStateCouponsQuery {
  openid?: string;
  status?: 'SENDED' | 'USED' | 'EXPIRED';
  stock_id?: string;
  /**
   * Default 200.
   */
  limit?: number;
}
export interface ControlStateDeliveriesQuery {
  /**
   * Default 100.
   */
  limit?: number;
}

/** No path or query parameters declared. */
export type NoParameters = Record<string, never>;

/** Every operation by its contract `operationId`: the validated request parts and the 200 reply body. */
export interface Operations {
  /** The reply is a file (`OperationResult.file`), sent as is. */
  'billdownload.downloadFile': { params: NoParameters; query: BilldownloadDownloadFileQuery; body: undefined; reply: undefined };
  'certificates.list': { params: NoParameters; query: CertificatesListQuery; body: undefined; reply: CertificatesListReply };
  'favor.createStock': { params: NoParameters; query: NoParameters; body: FavorCreateStockBody; reply: FavorCreateStockReply };
  'favor.getCallback': { params: NoParameters; query: FavorGetCallbackQuery; body: undefined; reply: FavorGetCallbackReply };
  'favor.getCoupon': { params: FavorGetCouponParams; query: FavorGetCouponQuery; body: undefined; reply: FavorGetCouponReply };
  'favor.getStock': { params: FavorGetStockParams; query: FavorGetStockQuery; body: undefined; reply: FavorGetStockReply };
  'favor.listStockItems': {
    params: FavorListStockItemsParams;
    query: FavorListStockItemsQuery;
    body: undefined;
    reply: FavorListStockItemsReply;
  };
  'favor.listStockMerchants': {
    params: FavorListStockMerchantsParams;
    query: FavorListStockMerchantsQuery;
    body: undefined;
    reply: FavorListStockMerchantsReply;
  };
  'favor.listStocks': { params: NoParameters; query: FavorListStocksQuery; body: undefined; reply: FavorListStocksReply };
  'favor.listUserCoupons': {
    params: FavorListUserCouponsParams;
    query: FavorListUserCouponsQuery;
    body: undefined;
    reply: FavorListUserCouponsReply;
  };
  'favor.pauseStock': { params: FavorPauseStockParams; query: NoParameters; body: FavorPauseStockBody; reply: FavorPauseStockReply };
  'favor.refundFlow': { params: FavorRefundFlowParams; query: NoParameters; body: undefined; reply: FavorRefundFlowReply };
  'favor.restartStock': {
    params: FavorRestartStockParams;
    query: NoParameters;
    body: FavorRestartStockBody;
    reply: FavorRestartStockReply;
  };
  'favor.sendCoupon': { params: FavorSendCouponParams; query: NoParameters; body: FavorSendCouponBody; reply: FavorSendCouponReply };
  'favor.setCallback': { params: NoParameters; query: NoParameters; body: FavorSetCallbackBody; reply: FavorSetCallbackReply };
  'favor.startStock': { params: FavorStartStockParams; query: NoParameters; body: FavorStartStockBody; reply: FavorStartStockReply };
  'favor.stopStock': { params: FavorStopStockParams; query: NoParameters; body: FavorStopStockBody; reply: FavorStopStockReply };
  'favor.uploadImage': { params: NoParameters; query: NoParameters; body: FavorUploadImageBody; reply: FavorUploadImageReply };
  'favor.useFlow': { params: FavorUseFlowParams; query: NoParameters; body: undefined; reply: FavorUseFlowReply };
  'partnerships.build': { params: NoParameters; query: NoParameters; body: PartnershipsBuildBody; reply: PartnershipsBuildReply };
  'partnerships.list': { params: NoParameters; query: PartnershipsListQuery; body: undefined; reply: PartnershipsListReply };
  'partnerships.terminate': {
    params: NoParameters;
    query: NoParameters;
    body: PartnershipsTerminateBody;
    reply: PartnershipsTerminateReply;
  };
  'paygift.addActivityMerchants': {
    params: PaygiftAddActivityMerchantsParams;
    query: NoParameters;
    body: PaygiftAddActivityMerchantsBody;
    reply: PaygiftAddActivityMerchantsReply;
  };
  'paygift.createActivity': {
    params: NoParameters;
    query: NoParameters;
    body: PaygiftCreateActivityBody;
    reply: PaygiftCreateActivityReply;
  };
  'paygift.deleteActivityMerchants': {
    params: PaygiftDeleteActivityMerchantsParams;
    query: NoParameters;
    body: PaygiftDeleteActivityMerchantsBody;
    reply: PaygiftDeleteActivityMerchantsReply;
  };
  'paygift.getActivity': { params: PaygiftGetActivityParams; query: NoParameters; body: undefined; reply: PaygiftGetActivityReply };
  'paygift.listActivities': { params: NoParameters; query: PaygiftListActivitiesQuery; body: undefined; reply: PaygiftListActivitiesReply };
  'paygift.listActivityGoods': {
    params: PaygiftListActivityGoodsParams;
    query: PaygiftListActivityGoodsQuery;
    body: undefined;
    reply: PaygiftListActivityGoodsReply;
  };
  'paygift.listActivityMerchants': {
    params: PaygiftListActivityMerchantsParams;
    query: PaygiftListActivityMerchantsQuery;
    body: undefined;
    reply: PaygiftListActivityMerchantsReply;
  };
  'paygift.terminateActivity': {
    params: PaygiftTerminateActivityParams;
    query: NoParameters;
    body: undefined;
    reply: PaygiftTerminateActivityReply;
  };
}

/** The control API (contracts/_mock/) by `operationId`: the validated request parts (query values as the contract coerces them). */
export interface ControlOperations {
  'control.callback': { params: ControlCallbackParams; query: ControlCallbackQuery; body: undefined };
  'control.callbackCouponUse': { params: NoParameters; query: NoParameters; body: ControlCallbackCouponUseBody };
  'control.callbackFaults': { params: NoParameters; query: NoParameters; body: undefined };
  'control.callbackFaultsAdd': { params: NoParameters; query: NoParameters; body: ControlCallbackFaultsAddBody };
  'control.callbackFaultsClear': { params: NoParameters; query: NoParameters; body: undefined };
  'control.callbackFaultsGet': { params: ControlCallbackFaultsGetParams; query: NoParameters; body: undefined };
  'control.callbackFaultsLog': { params: NoParameters; query: ControlCallbackFaultsLogQuery; body: undefined };
  'control.callbackFaultsRemove': { params: ControlCallbackFaultsRemoveParams; query: NoParameters; body: undefined };
  'control.callbackReplay': { params: ControlCallbackReplayParams; query: NoParameters; body: ControlCallbackReplayBody };
  'control.callbacks': { params: NoParameters; query: ControlCallbacksQuery; body: undefined };
  'control.clock': { params: NoParameters; query: NoParameters; body: undefined };
  'control.clockAdvance': { params: NoParameters; query: NoParameters; body: ControlClockAdvanceBody };
  'control.clockFreeze': { params: NoParameters; query: NoParameters; body: ControlClockFreezeBody };
  'control.clockReset': { params: NoParameters; query: NoParameters; body: undefined };
  'control.clockSet': { params: NoParameters; query: NoParameters; body: ControlClockSetBody };
  'control.clockUnfreeze': { params: NoParameters; query: NoParameters; body: undefined };
  'control.credentials': { params: NoParameters; query: NoParameters; body: undefined };
  'control.dashboard': { params: NoParameters; query: NoParameters; body: undefined };
  'control.faults': { params: NoParameters; query: NoParameters; body: undefined };
  'control.faultsAdd': { params: NoParameters; query: NoParameters; body: ControlFaultsAddBody };
  'control.faultsClear': { params: NoParameters; query: NoParameters; body: undefined };
  'control.faultsGet': { params: ControlFaultsGetParams; query: NoParameters; body: undefined };
  'control.faultsRemove': { params: ControlFaultsRemoveParams; query: NoParameters; body: undefined };
  'control.favorApproveStock': { params: ControlFavorApproveStockParams; query: NoParameters; body: undefined };
  'control.favorRefundCoupon': { params: ControlFavorRefundCouponParams; query: NoParameters; body: ControlFavorRefundCouponBody };
  'control.favorRejectStock': { params: ControlFavorRejectStockParams; query: NoParameters; body: undefined };
  'control.favorUseCoupon': { params: ControlFavorUseCouponParams; query: NoParameters; body: ControlFavorUseCouponBody };
  'control.handlerCheck': { params: NoParameters; query: NoParameters; body: ControlHandlerCheckBody };
  'control.handlerChecks': { params: NoParameters; query: NoParameters; body: undefined };
  'control.health': { params: NoParameters; query: NoParameters; body: undefined };
  'control.journal': { params: NoParameters; query: ControlJournalQuery; body: undefined };
  'control.journalClear': { params: NoParameters; query: NoParameters; body: undefined };
  'control.journalStream': { params: NoParameters; query: ControlJournalStreamQuery; body: undefined };
  'control.openapi': { params: NoParameters; query: NoParameters; body: undefined };
  'control.paygiftFailActivity': { params: ControlPaygiftFailActivityParams; query: NoParameters; body: undefined };
  'control.paygiftPauseActivity': { params: ControlPaygiftPauseActivityParams; query: NoParameters; body: undefined };
  'control.paygiftRecoverActivity': { params: ControlPaygiftRecoverActivityParams; query: NoParameters; body: undefined };
  'control.report': { params: NoParameters; query: ControlReportQuery; body: undefined };
  'control.reset': { params: NoParameters; query: NoParameters; body: undefined };
  'control.scenario': { params: NoParameters; query: NoParameters; body: ControlScenarioBody };
  'control.snapshotExport': { params: NoParameters; query: NoParameters; body: undefined };
  'control.snapshotImport': { params: NoParameters; query: NoParameters; body: ControlSnapshotImportBody };
  'control.stateActivities': { params: NoParameters; query: NoParameters; body: undefined };
  'control.stateCoupons': { params: NoParameters; query: ControlStateCouponsQuery; body: undefined };
  'control.stateDeliveries': { params: NoParameters; query: ControlStateDeliveriesQuery; body: undefined };
  'control.stateMerchants': { params: NoParameters; query: NoParameters; body: undefined };
  'control.statePartnerships': { params: NoParameters; query: NoParameters; body: undefined };
  'control.stateStocks': { params: NoParameters; query: NoParameters; body: undefined };
}
